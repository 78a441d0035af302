// Dense (fully connected): y = x · W + b, optionally followed by an activation (Keras's
// `activation` option), which is kept as a separate inner layer so its gradient code is shared.
//
// B batch size, C input features, OC output units. kernel W (C, OC), bias b (OC), row-major.

import type { InputHandle } from '../backend/backend';
import type { Initializer, InitializerName } from '../init/initializers';
import { Tensor } from '../tensor';
import { createActivation, type ActivationName } from './activations';
import { Layer, type ForwardContext, type Param } from './layer';
import { registerLayer } from './registry';

export interface DenseOptions {
  /** Output units OC (positive integer). */
  units: number;
  /** Applied after x·W + b. Default 'identity' (linear). */
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorot_uniform', as in Keras. */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. Scaled initializers see the kernel's fans (PyTorch's bias: 'pytorch_uniform'). */
  biasInitializer?: InitializerName | Initializer;
  name?: string;
}

export class Dense extends Layer {
  readonly units: number;
  readonly useBias: boolean;
  readonly activationName: ActivationName;
  private readonly kernelInit: InitializerName | Initializer;
  private readonly biasInit: InitializerName | Initializer;
  kernel!: Param;
  bias: Param | null = null;
  /** The activation applied after the affine map, or null for a linear layer. */
  readonly activation: Layer | null;
  private x: Tensor | null = null;
  /**
   * The backend's notes on x from a training forward pass (its nonzero count, its compressed rows), for
   * backward's dW = xᵀ·dz; `prepared` is the handle when the last forward filled it, else null.
   */
  private handle: InputHandle | null = null;
  private prepared: InputHandle | null = null;

  constructor(opts: DenseOptions) {
    super(opts.name);
    if (!Number.isInteger(opts.units) || opts.units < 1) throw new Error(`Dense units must be a positive integer, got ${opts.units}`);
    this.units = opts.units;
    this.useBias = opts.useBias ?? true;
    this.activationName = opts.activation ?? 'identity';
    this.activation = this.activationName === 'identity' || this.activationName === 'linear' ? null : createActivation(this.activationName);
    this.kernelInit = opts.kernelInitializer ?? 'glorot_uniform';
    this.biasInit = opts.biasInitializer ?? 'zeros';
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1) throw new Error(`layer ${this.name}: Dense expects (batch, features) input, got per-sample shape [${inputShape.join(', ')}]; add a Flatten layer first`);
    this.kernel = this.addWeight('kernel', [inputShape[0], this.units], { initializer: this.kernelInit });
    // A bias has the fans of its layer's kernel, for the initializers that scale by them (pytorch_uniform).
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], { initializer: this.biasInit, decay: 0, fanIn: inputShape[0], fanOut: this.units });
    this.activation?.build([this.units], this.backend);
    return [this.units];
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const B = x.rows;
    const C = this.inputShape[0];
    const z = this.buffer('z', B, this.outputShape);
    // Only a training pass is followed by backward: predict's (perhaps large) batches keep nothing.
    if (ctx.training && !this.handle && this.backend.inputHandle) this.handle = this.backend.inputHandle();
    this.prepared = ctx.training ? this.handle : null;
    this.backend.denseForward(z.data, x.data, this.kernel.value, this.bias ? this.bias.value : null, B, C, this.units, this.prepared);
    this.x = x;
    return this.activation ? this.activation.forward(z, ctx) : z;
  }

  backward(dy: Tensor): Tensor {
    if (!this.x) throw new Error(`layer ${this.name}: backward called before forward`);
    return this.backwardFromLogits(this.activation ? this.activation.backward(dy) : dy);
  }

  override get endsInSoftmax(): boolean {
    return this.activation?.endsInSoftmax ?? false;
  }

  // From z = x·W + b:  dW += xᵀ·dz,  db += Σ_rows dz,  dx = dz·Wᵀ.
  /** dz (B, OC) = dL/dz, z = x·W + b the pre-activation: the affine part of backward. */
  override backwardFromLogits(dz: Tensor): Tensor {
    if (!this.x) throw new Error(`layer ${this.name}: backward called before forward`);
    const B = dz.rows;
    const C = this.inputShape[0];
    const OC = this.units;
    // x is the forward's, unchanged since: the handle that forward filled describes it.
    this.backend.gemmTN(this.kernel.grad, this.x.data, dz.data, C, B, OC, true, this.prepared);
    if (this.bias) this.backend.colSum(this.bias.grad, dz.data, B, OC, true);
    const dx = this.buffer('dx', B, this.inputShape);
    // The first layer's dx would be the gradient w.r.t. the data: Sequential switches it off.
    if (this.needsInputGrad) this.backend.gemmNT(dx.data, dz.data, this.kernel.value, B, OC, C);
    return dx;
  }

  override dispose(): void {
    super.dispose();
    this.handle?.dispose();
    this.handle = this.prepared = null;
    this.activation?.dispose();
  }

  getConfig(): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activationName,
      useBias: this.useBias,
      // A user's initializer function cannot be saved; loading restores the weights anyway.
      ...(typeof this.kernelInit === 'string' ? { kernelInitializer: this.kernelInit } : {}),
      ...(typeof this.biasInit === 'string' ? { biasInitializer: this.biasInit } : {}),
    };
  }
}

registerLayer('Dense', Dense, (c) => new Dense(c as unknown as DenseOptions));
