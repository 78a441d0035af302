// The contract every layer keeps, built-in or a user's own: build() declares parameters,
// forward() computes and remembers what backward() needs, backward() returns dx and ADDS the
// parameter gradients into their buffers. The engine sees nothing else, so a new layer is one file.

import { getBackend, type Backend } from '../backend';
import { getInitializer, type Initializer, type InitializerName } from '../init/initializers';
import type { Rng } from '../rng';
import { fmtShape, shapeSize, type Tensor } from '../tensor';
import { TensorPool } from '../util/tensor-pool';

export interface ForwardContext {
  /** true inside fit (dropout drops, batch norm uses batch statistics). */
  training: boolean;
}

/** A trainable parameter: a view into the model's flat parameter buffer and its gradient twin. */
export interface Param {
  /** Unique within the layer: 'kernel', 'bias', ... */
  readonly name: string;
  /** e.g. [C, OC] for a dense kernel, row-major. */
  readonly shape: readonly number[];
  readonly size: number;
  readonly initializer: Initializer;
  /** Fans used by scaled initializers. */
  readonly fanIn: number;
  readonly fanOut: number;
  /** Weight-decay multiplier: 1 for kernels, 0 for biases (Keras regularizes kernels only). */
  readonly decay: number;
  /** Set when the model binds its flat buffers (bindParams). */
  value: Float32Array;
  grad: Float32Array;
}

export interface WeightOptions {
  initializer: InitializerName | Initializer;
  /** Default: shape[0] and the product of the remaining dims. */
  fanIn?: number;
  fanOut?: number;
  /** Weight-decay multiplier (default 1). */
  decay?: number;
}

/**
 * Non-trainable layer state, such as BatchNorm's running mean and variance: saved and loaded with
 * the model, updated by the layer itself, never seen by an optimizer or by weight decay.
 */
export interface State {
  /** Unique within the layer: 'movingMean', ... */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** The value every entry starts at. */
  readonly initial: number;
  /** Set when the model binds its flat state buffer (bindState). */
  value: Float32Array;
}

/** A serialisable description of a layer: its class name and constructor options. */
export interface LayerConfig {
  className: string;
  config: Record<string, unknown>;
}

const EMPTY = new Float32Array(0);

export abstract class Layer {
  /** Shown in summaries and errors. */
  name: string;
  /** Per-sample shapes (no batch dimension), set by build(). */
  inputShape: readonly number[] = [];
  outputShape: readonly number[] = [];
  readonly params: Param[] = [];
  /** Non-trainable state (addState), bound to the model's flat state buffer. */
  readonly states: State[] = [];
  /**
   * When false, backward may skip computing dx (its content is then unspecified). Sequential
   * clears it on the layers before and including the first one with parameters: nobody needs
   * the gradient with respect to the data, and for an MLP it is a sizeable GEMM.
   */
  needsInputGrad = true;
  protected backend: Backend = getBackend();
  private built = false;
  private readonly pool = new TensorPool((n) => this.backend.alloc(n), (b) => this.backend.free?.(b));
  private static counter = 0;

  constructor(name?: string) {
    this.name = name ?? `${this.constructor.name.toLowerCase()}_${++Layer.counter}`;
  }

  /**
   * Declares parameters (addWeight) for a per-sample input shape and returns the per-sample
   * output shape. Called once, before any forward pass.
   */
  protected abstract doBuild(inputShape: readonly number[]): readonly number[];

  /** x (B, ...inputShape) → y (B, ...outputShape). Keeps what backward needs. */
  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** dy (B, ...outputShape) → dx (B, ...inputShape); adds dL/dparam into each param.grad. */
  abstract backward(dy: Tensor): Tensor;

  /** The options to rebuild this layer with (saved with the model). */
  abstract getConfig(): Record<string, unknown>;

  /** Builds the layer for a per-sample input shape; returns the output shape. */
  build(inputShape: readonly number[], backend: Backend = getBackend()): readonly number[] {
    if (this.built) {
      if (fmtShape(inputShape) !== fmtShape(this.inputShape)) {
        throw new Error(`layer ${this.name} was built for input ${fmtShape(this.inputShape)}, now given ${fmtShape(inputShape)}`);
      }
      return this.outputShape;
    }
    this.backend = backend;
    this.inputShape = [...inputShape];
    this.outputShape = [...this.doBuild(inputShape)];
    this.built = true;
    return this.outputShape;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  /** Declares a parameter; its buffers are bound later by bindParams (once per model). */
  protected addWeight(name: string, shape: readonly number[], opts: WeightOptions): Param {
    const size = shapeSize(shape);
    const param: Param = {
      name,
      shape: [...shape],
      size,
      initializer: getInitializer(opts.initializer),
      fanIn: opts.fanIn ?? shape[0],
      fanOut: opts.fanOut ?? (shape.length > 1 ? size / shape[0] : shape[0]),
      decay: opts.decay ?? 1,
      value: EMPTY,
      grad: EMPTY,
    };
    this.params.push(param);
    return param;
  }

  /** Declares non-trainable state of the given shape, starting at `initial`; bound later by bindState. */
  protected addState(name: string, shape: readonly number[], initial: number): State {
    const state: State = { name, shape: [...shape], size: shapeSize(shape), initial, value: EMPTY };
    this.states.push(state);
    return state;
  }

  /**
   * Seeds whatever randomness the layer uses while training (Dropout's masks). Sequential calls it at
   * build with a seed derived from the model's seed and the layer's position; layers without
   * randomness ignore it.
   */
  setSeed(_seed: number): void {}

  /** Clears this layer's parameter gradients (a model clears its flat buffer in one go instead). */
  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /**
   * A reusable output Tensor of shape (B, ...shape) backed by backend memory. The buffer is
   * allocated on first use for the largest batch seen and reused afterwards; the Tensor view is
   * cached per batch size, so a steady training loop allocates nothing here.
   */
  protected buffer(key: string, batch: number, shape: readonly number[]): Tensor {
    return this.pool.get(key, batch, shape);
  }

  /**
   * Frees this layer's activation buffers (backend memory; see the README on memory). Its parameters
   * live in the model's flat buffers, which the model frees. The layer still works afterwards:
   * buffers are allocated again on the next forward pass. A layer that holds inner layers (Dense its
   * activation) overrides this to dispose them too.
   */
  dispose(): void {
    this.pool.dispose();
  }

  /** Throws unless x is (B, ...inputShape). */
  protected checkInput(x: Tensor): void {
    const expected = shapeSize(this.inputShape);
    if (x.shape.length < 1 || x.cols !== expected) {
      throw new Error(`layer ${this.name} expects input (batch, ${this.inputShape.join(', ')}), got ${fmtShape(x.shape)}`);
    }
  }

  /** Number of trainable values. */
  countParams(): number {
    return this.params.reduce((s, p) => s + p.size, 0);
  }

  toConfig(): LayerConfig {
    return { className: this.constructor.name, config: { name: this.name, ...this.getConfig() } };
  }
}

/**
 * Binds every layer's non-trainable state to views of one flat buffer (in backend memory) and sets
 * each to its initial value. The optimizer never sees this buffer.
 */
export function bindState(layers: readonly Layer[], backend: Backend): Float32Array {
  let total = 0;
  for (const l of layers) for (const s of l.states) total += s.size;
  const state = backend.alloc(total);
  let offset = 0;
  for (const l of layers) {
    for (const s of l.states) {
      s.value = state.subarray(offset, offset + s.size);
      s.value.fill(s.initial);
      offset += s.size;
    }
  }
  return state;
}

/**
 * Binds the parameters of the given (built) layers to views of one flat parameter buffer and
 * one flat gradient buffer, and fills a flat decay-multiplier buffer, so an optimizer step is a
 * single loop. With an rng, initialises every parameter in layer order.
 */
export function bindParams(layers: readonly Layer[], backend: Backend, rng?: Rng): { params: Float32Array; grads: Float32Array; decay: Float32Array } {
  let total = 0;
  for (const l of layers) total += l.countParams();
  const params = backend.alloc(total);
  const grads = backend.alloc(total);
  const decay = backend.alloc(total); // in backend memory too: fused optimizer kernels read it
  let offset = 0;
  for (const l of layers) {
    for (const p of l.params) {
      p.value = params.subarray(offset, offset + p.size);
      p.grad = grads.subarray(offset, offset + p.size);
      decay.fill(p.decay, offset, offset + p.size);
      if (rng) p.initializer(p.value, p.fanIn, p.fanOut, rng);
      offset += p.size;
    }
  }
  return { params, grads, decay };
}
