// Weight initializers. All draw from the model's one seeded Rng, so a seed fixes every weight.
//
// fanIn / fanOut: for a kernel of shape (C, OC), fanIn = C and fanOut = OC.

import type { Rng } from '../rng';

export type InitializerName = 'random' | 'xavier' | 'glorot_uniform' | 'glorot_normal' | 'he_normal' | 'he_uniform' | 'pytorch_uniform' | 'random_normal' | 'zeros' | 'ones';

/** Fills out (n) with initial values for a parameter with the given fans; returns out. */
export type Initializer = (out: Float32Array, fanIn: number, fanOut: number, rng: Rng) => Float32Array;

function normal(std: number): Initializer {
  return (out, _fi, _fo, rng) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
    return out;
  };
}

function uniform(limitOf: (fanIn: number, fanOut: number) => number): Initializer {
  return (out, fanIn, fanOut, rng) => {
    const limit = limitOf(fanIn, fanOut);
    for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
    return out;
  };
}

function scaledNormal(stdOf: (fanIn: number, fanOut: number) => number): Initializer {
  return (out, fanIn, fanOut, rng) => normal(stdOf(fanIn, fanOut))(out, fanIn, fanOut, rng);
}

const initializers: Record<InitializerName, Initializer> = {
  // The assignment's 'random': small normal weights, N(0, 0.1²).
  random: normal(0.1),
  // Keras's random_normal (used by the cubic custom layer): N(0, 0.05²).
  random_normal: normal(0.05),
  // Glorot & Bengio (2010): Var = 2/(fanIn+fanOut) keeps activation and gradient variance level.
  glorot_uniform: uniform((fi, fo) => Math.sqrt(6 / (fi + fo))),
  glorot_normal: scaledNormal((fi, fo) => Math.sqrt(2 / (fi + fo))),
  // The assignment's 'Xavier' flag value: Glorot uniform, Keras's default kernel initializer.
  xavier: uniform((fi, fo) => Math.sqrt(6 / (fi + fo))),
  // He et al. (2015): Var = 2/fanIn compensates ReLU zeroing half its inputs.
  he_normal: scaledNormal((fi) => Math.sqrt(2 / fi)),
  he_uniform: uniform((fi) => Math.sqrt(6 / fi)),
  // PyTorch's default for nn.Linear and nn.Conv2d, weight and bias alike: U(−1/√fanIn, 1/√fanIn)
  // (the weight's kaiming_uniform_(a = √5) is gain √(2/(1 + 5)) · √(3/fanIn) = 1/√fanIn). For a bias,
  // fanIn is its layer's (C for Dense, KH·KW·C for Conv2D), which those layers pass to addWeight.
  pytorch_uniform: uniform((fi) => 1 / Math.sqrt(fi)),
  zeros: (out) => out.fill(0),
  ones: (out) => out.fill(1),
};

export const initializerNames = Object.keys(initializers) as InitializerName[];

/** Looks an initializer up by name (case-insensitive; 'he' means he_normal); throws on an unknown name. */
export function getInitializer(name: string | Initializer): Initializer {
  if (typeof name === 'function') return name;
  const key = name.toLowerCase() === 'he' ? 'he_normal' : name.toLowerCase();
  const init = (initializers as Record<string, Initializer>)[key];
  if (!init) throw new Error(`unknown initializer '${name}': expected one of ${initializerNames.join(', ')}, he`);
  return init;
}
