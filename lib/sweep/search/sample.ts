// Drawing one value from a parameter's distribution, and the map between a numeric parameter's
// values and the coordinate the Bayesian search models (u = x, or ln x when log-scaled).

import type { Rng } from '../../rng';
import type { ParamSpec } from '../schema';
import type { ParamValue } from '../types';

type Numeric = Extract<ParamSpec, { kind: 'numeric' }>;
type Normal = Extract<ParamSpec, { kind: 'normal' }>;

/** A value drawn from spec's prior. */
export function samplePrior(spec: ParamSpec, rng: Rng): ParamValue {
  switch (spec.kind) {
    case 'constant': return spec.value;
    case 'categorical': return spec.values[spec.probabilities ? pickWeighted(spec.probabilities, rng) : rng.int(spec.values.length)];
    case 'numeric': {
      if (spec.int) return spec.min + rng.int(spec.max - spec.min + 1);
      const [lo, hi] = bounds(spec);
      return fromU(spec, lo + rng.uniform() * (hi - lo));
    }
    case 'normal': return fromU(spec, spec.mu + spec.sigma * rng.normal());
  }
}

/** The search coordinate's range: [min, max] or [ln min, ln max]; mu ± 4σ for normal ones. */
export function bounds(spec: Numeric | Normal): [number, number] {
  if (spec.kind === 'normal') return [spec.mu - 4 * spec.sigma, spec.mu + 4 * spec.sigma];
  return spec.log ? [Math.log(spec.min), Math.log(spec.max)] : [spec.min, spec.max];
}

/** A value's search coordinate. */
export function toU(spec: Numeric | Normal, x: number): number {
  return spec.log ? Math.log(x) : x;
}

/** The value at search coordinate u, rounded to q or to an integer, clamped to the range. */
export function fromU(spec: Numeric | Normal, u: number): number {
  let x = spec.log ? Math.exp(u) : u;
  if (spec.q !== undefined) x = Math.round(x / spec.q) * spec.q;
  if (spec.kind === 'numeric') {
    if (spec.int) x = Math.round(x);
    x = Math.min(spec.max, Math.max(spec.min, x));
  }
  // q multiples like 0.1 * 3 print as 0.30000000000000004; keep 12 significant digits.
  return Number(x.toPrecision(12));
}

/** An index drawn with the given probabilities (summing to 1). */
export function pickWeighted(p: readonly number[], rng: Rng): number {
  let r = rng.uniform();
  for (let i = 0; i < p.length; i++) {
    r -= p[i];
    if (r < 0) return i;
  }
  return p.length - 1;
}
