// Element-wise activation layers. Each keeps its output y, because every one of these
// derivatives is cheapest written in terms of y rather than x.
//
// B batch size, n = values per sample.

import { Tensor } from '../tensor';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';
import { Softmax } from './softmax';

/** Base for y = f(x) applied element-wise: subclasses give f and f' (as a function of x and y). */
abstract class Elementwise extends Layer {
  protected x: Tensor | null = null;
  protected y: Tensor | null = null;

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  /** y (n) = f(x (n)); out may alias x. */
  protected abstract apply(y: Float32Array, x: Readonly<Float32Array>, n: number): void;
  /** dx (n) = dy ⊙ f'(x), given x and y = f(x). */
  protected abstract derive(dx: Float32Array, dy: Readonly<Float32Array>, x: Readonly<Float32Array>, y: Readonly<Float32Array>, n: number): void;

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const y = this.buffer('y', x.rows, this.outputShape);
    this.apply(y.data, x.data, x.size);
    this.x = x;
    this.y = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.x || !this.y) throw new Error(`layer ${this.name}: backward called before forward`);
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    this.derive(dx.data, dy.data, this.x.data, this.y.data, dy.size);
    return dx;
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** y = x. */
export class Identity extends Elementwise {
  protected apply(y: Float32Array, x: Readonly<Float32Array>, n: number): void {
    y.set(x.subarray(0, n));
  }
  protected derive(dx: Float32Array, dy: Readonly<Float32Array>, _x: Readonly<Float32Array>, _y: Readonly<Float32Array>, n: number): void {
    dx.set(dy.subarray(0, n));
  }
}

/** y = 1 / (1 + e^(−x)). */
export class Sigmoid extends Elementwise {
  protected apply(y: Float32Array, x: Readonly<Float32Array>, n: number): void {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      // Two branches so e^(−x) never overflows: for x < 0 use e^x / (1 + e^x).
      if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        y[i] = e / (1 + e);
      }
    }
  }
  // dy/dx = σ(x)(1 − σ(x)) = y(1 − y)
  protected derive(dx: Float32Array, dy: Readonly<Float32Array>, _x: Readonly<Float32Array>, y: Readonly<Float32Array>, n: number): void {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  }
}

/** y = tanh(x). */
export class Tanh extends Elementwise {
  protected apply(y: Float32Array, x: Readonly<Float32Array>, n: number): void {
    for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
  }
  // dy/dx = 1 − tanh²(x) = 1 − y²
  protected derive(dx: Float32Array, dy: Readonly<Float32Array>, _x: Readonly<Float32Array>, y: Readonly<Float32Array>, n: number): void {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  }
}

/** y = max(0, x), NaN kept (the backend's kernel: lib/backend/reference-step.ts is the plain loop). */
export class ReLU extends Elementwise {
  protected apply(y: Float32Array, x: Readonly<Float32Array>, n: number): void {
    this.backend.stepKernels.relu(y, x, n);
  }
  // dy/dx = 1 where x > 0, else 0 (the subgradient 0 at x = 0, as every framework takes it).
  protected derive(dx: Float32Array, dy: Readonly<Float32Array>, _x: Readonly<Float32Array>, y: Readonly<Float32Array>, n: number): void {
    this.backend.stepKernels.reluBackward(dx, dy, y, n);
  }
}

export type ActivationName = 'identity' | 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'softmax';
export const activationNames: readonly ActivationName[] = ['identity', 'sigmoid', 'tanh', 'relu', 'softmax'];

/** A new activation layer for a name (case-insensitive; 'linear' = 'identity'). */
export function createActivation(name: string): Layer {
  switch (parseActivation(name)) {
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'softmax':
      return new Softmax();
    default:
      return new Identity();
  }
}

/** Normalises a user-typed activation name ('ReLU' → 'relu', 'linear' → 'identity'); throws on an unknown one. */
export function parseActivation(name: string): ActivationName {
  const key = String(name).toLowerCase() === 'linear' ? 'identity' : String(name).toLowerCase();
  if (!(activationNames as readonly string[]).includes(key)) throw new Error(`unknown activation '${name}': expected one of ${activationNames.join(', ')}`);
  return key as ActivationName;
}

const nameOf = (c: Record<string, unknown>) => (typeof c.name === 'string' ? c.name : undefined);
registerLayer('Identity', Identity, (c) => new Identity(nameOf(c)));
registerLayer('Sigmoid', Sigmoid, (c) => new Sigmoid(nameOf(c)));
registerLayer('Tanh', Tanh, (c) => new Tanh(nameOf(c)));
registerLayer('ReLU', ReLU, (c) => new ReLU(nameOf(c)));
