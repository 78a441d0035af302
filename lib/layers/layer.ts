// The contract every layer keeps, built-in or a user's own (the full contract is on the Layer class
// below). The engine sees nothing else of a layer, so a new layer is one file.

import { getBackend, type Backend } from '../backend';
import { getInitializer, type Initializer, type InitializerName } from '../init/initializers';
import type { Rng } from '../rng';
import { fmtShape, shapeSize, type Tensor } from '../tensor';
import { TensorPool } from '../util/tensor-pool';
import { registeredName } from './registry';

export interface ForwardContext {
  /** true inside fit/trainOnBatch (dropout drops, batch norm uses and updates batch statistics). */
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
  /**
   * Weight-decay multiplier: 1 for kernels, 0 for biases (Keras regularizes kernels only). Used unless
   * the model is compiled with weightDecayOn: 'all' (PyTorch's convention: every parameter decays).
   */
  readonly decay: number;
  /** Set when the model binds its flat buffers (bindParams). */
  value: Float32Array;
  grad: Float32Array;
}

/**
 * Non-trainable layer state, such as BatchNorm's running mean and variance: saved and loaded with
 * the model, updated by the layer itself (in forward, when ctx.training), never seen by an optimizer
 * or by weight decay, and with no gradient.
 */
export interface State {
  /** Unique within the layer: 'movingMean', ... */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** The value every entry starts at (e.g. 0 for a running mean, 1 for a running variance). */
  readonly initial: number;
  /** Set when the model binds its flat state buffer (bindState). */
  value: Float32Array;
}

export interface WeightOptions {
  initializer: InitializerName | Initializer;
  /** Default: shape[0] and the product of the remaining dims. */
  fanIn?: number;
  fanOut?: number;
  /** Weight-decay multiplier (default 1). */
  decay?: number;
}

/** A serialisable description of a layer: its registered name and constructor options. */
export interface LayerConfig {
  /** The name the layer's class was registered under (registerLayer). */
  className: string;
  config: Record<string, unknown>;
}

const EMPTY = new Float32Array(0);

/**
 * The layer contract. A layer is one file: its options, doBuild, forward and backward side by side,
 * getConfig, and one registerLayer call at the bottom. The model (and the gradient checks) rely on
 * exactly this and nothing else:
 *
 * - **build / doBuild(inputShape)**: called once with the per-sample input shape (no batch
 *   dimension); declares every trainable parameter with addWeight and every non-trainable state with
 *   addState, and returns the per-sample output shape. Declaring is all it does: the model binds the
 *   declared parameters to views of its one flat parameter/gradient/decay buffer (so an optimizer
 *   step is one loop) and initialises them. Nothing may be allocated for parameters by the layer.
 * - **forward(x, ctx)**: x is (B, ...inputShape), returns y (B, ...outputShape). It keeps what
 *   backward needs (typically x, or y) and writes y into a buffer from this.buffer(), so a steady loop
 *   allocates nothing. `ctx.training` is true inside fit/trainOnBatch: dropout drops only then, batch
 *   norm normalises with batch statistics and updates its running state only then. Do not modify x.
 *   The returned tensor is valid until this layer's next forward with the same batch size; callers
 *   that keep it copy it (model.predict does).
 * - **backward(dy)**: dy = dL/dy (B, ...outputShape) from the forward just run; returns
 *   dx = dL/dx (B, ...inputShape) and ADDS (+=) dL/dparam into every param.grad: gradients
 *   accumulate until the model's one zeroGrad, so two backward calls give twice the gradient. When
 *   needsInputGrad is false the model does not read dx, and the layer may skip computing it.
 *   Do not modify dy.
 * - **Parameters, decay, state**: addWeight(name, shape, { initializer, decay }) declares a trainable
 *   parameter; decay is its weight-decay multiplier (1 for kernels, 0 for biases and scales, as Keras
 *   regularises kernels only). addState(name, shape, initial) declares non-trainable state (batch
 *   norm's running statistics): bound to the model's flat state buffer (bindState), saved and loaded
 *   with the weights, never touched by an optimizer or weight decay, updated by the layer itself.
 * - **setSeed(seed)**: a layer with randomness (dropout) seeds it here; the model calls it at build.
 * - **fuseNext(next)** (optional): a layer may take over the layer after it (it then computes both,
 *   and the model runs only it); a speed-up that must not change results.
 * - **getConfig()**: the constructor options (JSON) that rebuild the layer; saved with the model
 *   together with the layer's name. Weights are saved apart, so initializers need not round-trip.
 * - **registerLayer('Name', Class, fromConfig)** at the bottom of the layer's file: saved models record
 *   that name (never constructor.name, which minifiers rename) and loadModel rebuilds the layer with
 *   fromConfig. An unregistered layer trains fine but cannot be saved.
 * - **A layer belongs to one model**: its parameters are views into that model's buffers, so a model
 *   refuses a layer that is already built or belongs to another model. Make a new layer instead.
 * - **Ending in softmax** (optional): a layer whose output is softmax(z) of a z it computes (Softmax,
 *   Dense with activation 'softmax') sets endsInSoftmax and implements backwardFromLogits(dz), which
 *   back-propagates from dL/dz instead of dL/dy. A loss that pairs with a final softmax
 *   (Loss.computeThroughSoftmax) hands the model dL/dz directly: cheaper, and free of the 1/p rounding.
 */
export abstract class Layer {
  /** Shown in summaries and errors; saved with the model. */
  name: string;
  /** Per-sample shapes (no batch dimension), set by build(). */
  inputShape: readonly number[] = [];
  outputShape: readonly number[] = [];
  readonly params: Param[] = [];
  /** Non-trainable state (addState), bound to the model's flat state buffer; saved, never optimised. */
  readonly states: State[] = [];
  /**
   * When false, backward may skip computing dx (its content is then unspecified). Sequential
   * clears it on the layers before and including the first one with parameters: nobody needs
   * the gradient with respect to the data, and for an MLP it is a sizeable GEMM.
   */
  needsInputGrad = true;
  protected backend: Backend = getBackend();
  private built = false;
  private ownerName: string | null = null;
  private owner: object | null = null;
  private readonly pool = new TensorPool((n) => this.backend.alloc(n), (b) => this.backend.free?.(b));
  private static counter = 0;

  constructor(name?: string) {
    this.name = name ?? `${(registeredName(this) ?? this.constructor.name).toLowerCase()}_${++Layer.counter}`;
  }

  /**
   * Declares parameters (addWeight) and state (addState) for a per-sample input shape and returns the
   * per-sample output shape. Called once, before any forward pass.
   */
  protected abstract doBuild(inputShape: readonly number[]): readonly number[];

  /** x (B, ...inputShape) → y (B, ...outputShape). Keeps what backward needs. See the contract above. */
  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;

  /** dy (B, ...outputShape) → dx (B, ...inputShape); ADDS dL/dparam into each param.grad. */
  abstract backward(dy: Tensor): Tensor;

  /** The options to rebuild this layer with (saved with the model). */
  abstract getConfig(): Record<string, unknown>;

  /** True when the output is softmax(z) over the last axis of a z this layer computes (see backwardFromLogits). */
  get endsInSoftmax(): boolean {
    return false;
  }

  /**
   * For a layer that endsInSoftmax: back-propagates from dz = dL/dz, z the softmax's input, as backward
   * does from dL/dy (so the softmax's own backward is skipped). Returns dx and adds parameter gradients.
   */
  backwardFromLogits(_dz: Tensor): Tensor {
    throw new Error(`layer ${this.name} does not end in softmax: backwardFromLogits is not available`);
  }

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

  /**
   * Called by a model that takes this layer. A layer belongs to one model: its parameters are views
   * into that model's flat buffers, so sharing it would silently share (or swap) its weights.
   */
  attachTo(model: object, modelName: string): void {
    if (this.owner === model) return;
    if (this.owner) throw new Error(`layer ${this.name} already belongs to model ${this.ownerName}: a layer's weights live in its model's buffers, so it cannot join a second model; create a new layer (or copy the weights)`);
    if (this.built) throw new Error(`layer ${this.name} is already built (for input ${fmtShape(this.inputShape)}, with its own weights): a model builds its layers itself; give it a new, unbuilt layer`);
    this.owner = model;
    this.ownerName = modelName;
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

  /**
   * Offered, at the model's build, the layer that follows this one: return true to compute it inside
   * this layer's own forward and backward, with the same result; the model then skips it. A speed-up
   * only (BatchNormalization takes a following ReLU). Default: false.
   */
  fuseNext(_next: Layer): boolean {
    return false;
  }

  /** Clears this layer's parameter gradients (a model clears its flat buffer in one go instead). */
  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /**
   * A reusable output Tensor of shape (B, ...shape) backed by backend memory. The buffer is
   * allocated on first use and reused afterwards; the Tensor view is cached per batch size, so a
   * steady training loop allocates nothing here. A tensor handed out earlier never sees memory given
   * to anything else (see TensorPool); it is overwritten by the next call with the same key.
   */
  protected buffer(key: string, batch: number, shape: readonly number[]): Tensor {
    return this.pool.get(key, batch, shape);
  }

  /**
   * Frees this layer's activation buffers (backend memory; see the docs on memory). Its parameters
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

  /** Number of non-trainable state values. */
  countState(): number {
    return this.states.reduce((s, v) => s + v.size, 0);
  }

  /** The registered name (registerLayer) of this layer's class; throws when it was never registered. */
  get className(): string {
    const name = registeredName(this);
    if (name === undefined) {
      const cls = this.constructor.name;
      throw new Error(`layer ${this.name}: its class ${cls} is not registered, so a saved model could not name it; call registerLayer('${cls}', ${cls}, (config) => new ${cls}(config)) once, next to the class`);
    }
    return name;
  }

  toConfig(): LayerConfig {
    return { className: this.className, config: { name: this.name, ...this.getConfig() } };
  }
}

/**
 * Binds every layer's non-trainable state to views of one flat buffer (in backend memory) and sets
 * each to its initial value. The optimizer never sees this buffer.
 */
export function bindState(layers: readonly Layer[], backend: Backend): Float32Array {
  let total = 0;
  for (const l of layers) total += l.countState();
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
      if (rng) p.initializer(p.value, p.fanIn, p.fanOut, rng);
      offset += p.size;
    }
  }
  fillDecay(decay, layers, 'kernels');
  return { params, grads, decay };
}

/**
 * Which parameters weight decay reaches. 'kernels': each parameter's declared multiplier (addWeight's
 * `decay`: 1 for kernels, 0 for biases and batch norm's γ, β), Keras's convention of regularising
 * kernels. 'all': every trainable parameter with multiplier 1, as torch.optim.SGD(weight_decay=λ)
 * decays every parameter of its group.
 */
export type WeightDecayOn = 'kernels' | 'all';

export const WEIGHT_DECAY_ON: readonly WeightDecayOn[] = ['kernels', 'all'];

/** Writes the flat decay-multiplier buffer (n, laid out as bindParams lays out the parameters); returns it. */
export function fillDecay(decay: Float32Array, layers: readonly Layer[], on: WeightDecayOn): Float32Array {
  if (!WEIGHT_DECAY_ON.includes(on)) throw new Error(`weightDecayOn must be one of ${WEIGHT_DECAY_ON.join(', ')}, got ${JSON.stringify(on)}`);
  let offset = 0;
  for (const l of layers) {
    for (const p of l.params) {
      decay.fill(on === 'all' ? 1 : p.decay, offset, offset + p.size);
      offset += p.size;
    }
  }
  return decay;
}
