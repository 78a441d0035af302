// Dropout (inverted): while training, each value is zeroed with probability `rate` and the survivors
// are scaled by 1/(1 − rate), so evaluation is the identity and needs no rescaling. Masks come from
// the layer's own seeded Rng: the same model seed gives the same masks, run after run.
//
// x, y, mask (B, ...shape); mask holds 0 or 1/(1 − rate). Kernels in lib/kernels/dropout.ts; the
// backend's wasm kernels continue the layer's Rng stream, so both draw the same masks.

import { dropoutBackward, dropoutForward } from '../kernels/dropout';
import { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';

export interface DropoutOptions {
  /** Fraction of values dropped while training, in [0, 1). */
  rate: number;
  /** Seeds the masks; default: derived from the model's seed and this layer's position. */
  seed?: number;
  name?: string;
}

export class Dropout extends Layer {
  readonly rate: number;
  readonly seed: number | undefined;
  private rng: Rng;
  private mask: Tensor | null = null;
  /** The Rng's four words, handed to the wasm kernel (a view of a pool buffer, in backend memory). */
  private words: Int32Array = new Int32Array(0);

  constructor(opts: DropoutOptions) {
    super(opts.name);
    if (!(opts.rate >= 0 && opts.rate < 1)) throw new Error(`Dropout rate must be in [0, 1), got ${opts.rate}`);
    this.rate = opts.rate;
    this.seed = opts.seed;
    this.rng = new Rng(opts.seed ?? 0);
  }

  /** Restarts the mask stream from `seed` (an explicit seed option wins over the model's). */
  override setSeed(seed: number): void {
    this.rng = new Rng(this.seed ?? seed);
  }

  /** Restarts the mask stream from its seed: the next masks repeat the ones drawn after setSeed. */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  // Training: y = x ⊙ mask, mask_i = 1/(1 − rate) with probability 1 − rate, else 0.
  // Evaluation: y = x (the input itself is returned).
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.checkInput(x);
    if (!ctx.training || this.rate === 0) {
      this.mask = null;
      return x;
    }
    const mask = this.buffer('mask', x.rows, this.inputShape);
    const y = this.buffer('y', x.rows, this.outputShape);
    const w = this.buffer('rngState', 1, [4]).data;
    if (this.words.buffer !== w.buffer || this.words.byteOffset !== w.byteOffset) this.words = new Int32Array(w.buffer, w.byteOffset, 4);
    const k = this.backend.imageKernels;
    if (k?.dropoutForward(y.data, mask.data, x.data, this.rng.getState(this.words), x.size, this.rate)) this.rng.setState(this.words);
    else dropoutForward(y.data, mask.data, x.data, this.rng, this.rate, x.size);
    this.mask = mask;
    return y;
  }

  // From y = x ⊙ mask: dx = dy ⊙ mask (the identity in evaluation).
  backward(dy: Tensor): Tensor {
    if (!this.mask) return dy;
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    if (!this.backend.imageKernels?.dropoutBackward(dx.data, dy.data, this.mask.data, dy.size)) dropoutBackward(dx.data, dy.data, this.mask.data, dy.size);
    return dx;
  }

  getConfig(): Record<string, unknown> {
    return { rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

registerLayer('Dropout', Dropout, (c) => new Dropout(c as unknown as DropoutOptions));
