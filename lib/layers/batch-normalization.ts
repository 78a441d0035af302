// BatchNormalization: normalises each feature (or, for images, each channel) by statistics of the
// batch while training and by running estimates of them in evaluation, then scales by γ and shifts
// by β (both trained). The running mean and variance are model state: saved with the model, never
// touched by the optimizer or weight decay. Kernels in lib/kernels/batchnorm.ts.
//
// Channels last makes every input a (N, C) matrix: x (B, F) → N = B, C = F; x (B, H, W, C) →
// N = B·H·W. gamma, beta, movingMean, movingVariance (C).
//
// momentum follows PyTorch: running ← (1 − momentum)·running + momentum·batch, default 0.1; the
// running variance takes the unbiased batch variance (·N/(N − 1)), as PyTorch. Keras writes the same
// update as running ← m·running + (1 − m)·batch with m = 0.99: Keras's 0.99 is momentum 0.01 here.

import { batchNormBackward, batchNormEvalForward, batchNormTrainForward } from '../kernels/batchnorm';
import type { Tensor } from '../tensor';
import { ReLU } from './activations';
import { Layer, type ForwardContext, type Param, type State } from './layer';
import { registerLayer } from './registry';

export interface BatchNormalizationOptions {
  /** Weight of the new batch in the running statistics (PyTorch's convention), in (0, 1]. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch; Keras uses 1e-3). */
  epsilon?: number;
  name?: string;
}

export class BatchNormalization extends Layer {
  readonly momentum: number;
  readonly epsilon: number;
  /** γ (C), starts at 1. */
  gamma!: Param;
  /** β (C), starts at 0. */
  beta!: Param;
  /** Running estimates (C), used in evaluation: start at 0 and 1. */
  movingMean!: State;
  movingVariance!: State;
  /** A float64 view of the 'acc' scratch buffer (the kernels' per-channel sums). */
  private acc64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  /** The forward's input, kept for the backward (which recomputes xhat from it). */
  private x: Tensor | null = null;
  private training = false;
  /** True when this layer computes the ReLU that follows it in its model (see fuseNext). */
  private relu = false;

  constructor(opts: BatchNormalizationOptions = {}) {
    super(opts.name);
    this.momentum = opts.momentum ?? 0.1;
    this.epsilon = opts.epsilon ?? 1e-5;
    if (!(this.momentum > 0 && this.momentum <= 1)) throw new Error(`BatchNormalization momentum must be in (0, 1] (PyTorch's convention: the new batch's weight; Keras's 0.99 is 0.01 here), got ${opts.momentum}`);
    if (!(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw new Error(`BatchNormalization epsilon must be a number > 0, got ${opts.epsilon}`);
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1 && inputShape.length !== 3) {
      throw new Error(`layer ${this.name}: BatchNormalization expects (batch, features) or (batch, height, width, channels) input, got per-sample shape [${inputShape.join(', ')}]`);
    }
    const C = inputShape[inputShape.length - 1];
    // Keras regularises neither γ nor β (decay 0).
    this.gamma = this.addWeight('gamma', [C], { initializer: 'ones', decay: 0 });
    this.beta = this.addWeight('beta', [C], { initializer: 'zeros', decay: 0 });
    this.movingMean = this.addState('movingMean', [C], 0);
    this.movingVariance = this.addState('movingVariance', [C], 1);
    return inputShape;
  }

  /**
   * A ReLU right after batch norm (the usual conv → BN → ReLU) is computed here: y = max(0, BN(x)) in
   * the same pass, and its mask applied to dy in the backward's, which saves the ReLU's two passes over
   * the activations. The model then skips the ReLU layer; the results are the same (bit for bit on the
   * wasm backend). Only ReLU itself is taken, not a subclass, which may compute something else.
   */
  override fuseNext(next: Layer): boolean {
    if (Object.getPrototypeOf(next) !== ReLU.prototype) return false;
    this.relu = true;
    return true;
  }

  private get channels(): number {
    return this.inputShape[this.inputShape.length - 1];
  }

  /**
   * Per-channel scratch, from the layer's buffer pool (backend memory, so the fast kernels can use it;
   * freed by dispose): the mean the forward used (the batch's, or the running one), the batch variance,
   * invStd = 1/√(var + ε), and 2C float64 sums.
   */
  private scratch(): { mean: Float32Array; variance: Float32Array; invStd: Float32Array; acc: Float32Array; acc64: Float64Array<ArrayBufferLike> } {
    const C = this.channels;
    const acc = this.buffer('acc', 1, [4 * C]).data;
    if (this.acc64.buffer !== acc.buffer || this.acc64.byteOffset !== acc.byteOffset) this.acc64 = new Float64Array(acc.buffer, acc.byteOffset, 2 * C);
    return { mean: this.buffer('mean', 1, [C]).data, variance: this.buffer('variance', 1, [C]).data, invStd: this.buffer('invStd', 1, [C]).data, acc, acc64: this.acc64 };
  }

  // Training: y = γ·(x − μ_B)/√(σ²_B + ε) + β, and the running estimates move toward μ_B, σ²_B.
  // Evaluation: the same with the running estimates in place of μ_B, σ²_B.
  // (With a fused ReLU, y = max(0, that).)
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const C = this.channels;
    const N = x.size / C;
    const y = this.buffer('y', x.rows, this.outputShape);
    this.training = ctx.training;
    const s = this.scratch();
    const k = this.backend.imageKernels;
    if (ctx.training) {
      if (N < 2) throw new Error(`layer ${this.name}: BatchNormalization in training needs more than one value per channel, got ${N} (batch of ${x.rows}); use a larger batch`);
      if (!(k?.batchNormStats(s.mean, s.variance, s.invStd, x.data, s.acc, N, C, this.epsilon) && k.batchNormNormalize(y.data, x.data, s.mean, s.invStd, this.gamma.value, this.beta.value, N, C, this.relu))) {
        batchNormTrainForward(y.data, s.mean, s.variance, s.invStd, x.data, this.gamma.value, this.beta.value, s.acc64, N, C, this.epsilon, this.relu);
      }
      const m = this.momentum;
      const rm = this.movingMean.value;
      const rv = this.movingVariance.value;
      const unbias = N / (N - 1);
      for (let c = 0; c < C; c++) {
        rm[c] = (1 - m) * rm[c] + m * s.mean[c];
        rv[c] = (1 - m) * rv[c] + m * s.variance[c] * unbias;
      }
    } else {
      s.mean.set(this.movingMean.value);
      for (let c = 0; c < C; c++) s.invStd[c] = 1 / Math.sqrt(this.movingVariance.value[c] + this.epsilon);
      if (!k?.batchNormNormalize(y.data, x.data, s.mean, s.invStd, this.gamma.value, this.beta.value, N, C, this.relu)) {
        batchNormEvalForward(y.data, s.invStd, x.data, s.mean, this.movingVariance.value, this.gamma.value, this.beta.value, N, C, this.epsilon, this.relu);
      }
    }
    this.x = x;
    return y;
  }

  // See batchNormBackward for the derivation through the batch statistics.
  backward(dy: Tensor): Tensor {
    if (!this.x) throw new Error(`layer ${this.name}: backward called before forward`);
    const C = this.channels;
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    const s = this.scratch();
    const args = [this.needsInputGrad ? dx.data : null, this.gamma.grad, this.beta.grad, dy.data, this.x.data, s.mean, this.gamma.value, this.beta.value, s.invStd] as const;
    if (!this.backend.imageKernels?.batchNormBackward(...args, s.acc, dy.size / C, C, this.training, this.relu)) batchNormBackward(...args, s.acc64, dy.size / C, C, this.training, this.relu);
    return dx;
  }

  getConfig(): Record<string, unknown> {
    return { momentum: this.momentum, epsilon: this.epsilon };
  }
}

registerLayer('BatchNormalization', BatchNormalization, (c) => new BatchNormalization(c as BatchNormalizationOptions));
