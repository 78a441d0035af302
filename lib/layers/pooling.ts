// Pooling layers over channels-last images: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D.
// No parameters; the kernels are in lib/kernels/pool.ts.
//
// B batch; x (B, H, W, C); y (B, OH, OW, C), or (B, C) for the global average.

import { convGeometry, type ConvGeometry, type Padding } from '../kernels/conv';
import { avgPoolBackward, avgPoolForward, globalAvgPoolBackward, globalAvgPoolForward, maxPoolBackward, maxPoolForward } from '../kernels/pool';
import { Tensor } from '../tensor';
import { imageShape, pairOf, paddingOf } from './conv2d';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';

export interface Pooling2DOptions {
  /** The window, KH×KW or one number (default 2). */
  poolSize?: number | readonly [number, number];
  /** Default: poolSize (non-overlapping windows, as Keras and PyTorch). */
  strides?: number | readonly [number, number];
  /** 'valid' (default) or 'same'; padded positions never count (see lib/kernels/pool.ts). */
  padding?: 'same' | 'valid';
  name?: string;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  geometry!: ConvGeometry;

  constructor(opts: Pooling2DOptions, kind: string) {
    super(opts.name);
    this.poolSize = pairOf(opts.poolSize ?? 2, `${kind} poolSize`);
    this.strides = pairOf(opts.strides ?? this.poolSize, `${kind} strides`);
    const padding = paddingOf(opts.padding ?? 'valid', `${kind} padding`);
    if (padding !== 'same' && padding !== 'valid') throw new Error(`${kind} padding must be 'same' or 'valid', got ${JSON.stringify(opts.padding)}`);
    this.padding = padding;
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    const [H, W, C] = imageShape(this, this.constructor.name, inputShape);
    const g = convGeometry(H, W, C, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], this.padding);
    if (g.OH < 1 || g.OW < 1) throw new Error(`layer ${this.name}: a ${this.poolSize.join('×')} pool with padding '${String(this.padding)}' does not fit a ${H}×${W} image`);
    this.geometry = g;
    return [g.OH, g.OW, C];
  }

  getConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

export class MaxPooling2D extends Pooling2D {
  private argmax: Int32Array = new Int32Array(0);

  constructor(opts: Pooling2DOptions = {}) {
    super(opts, 'MaxPooling2D');
  }

  // y = max over each window; the winner's index is kept for the backward.
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const y = this.buffer('y', x.rows, this.outputShape);
    // The argmax indices live in a pool buffer too (backend memory, reused), seen as int32.
    const a = this.buffer('argmax', x.rows, this.outputShape).data;
    if (this.argmax.buffer !== a.buffer || this.argmax.byteOffset !== a.byteOffset || this.argmax.length !== a.length) {
      this.argmax = new Int32Array(a.buffer, a.byteOffset, a.length);
    }
    if (!this.backend.imageKernels?.maxPoolForward(y.data, this.argmax, x.data, x.rows, this.geometry)) maxPoolForward(y.data, this.argmax, x.data, x.rows, this.geometry);
    return y;
  }

  // From y = x[argmax]: the gradient goes to the winner of each window, nothing to the rest.
  backward(dy: Tensor): Tensor {
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    if (this.needsInputGrad && !this.backend.imageKernels?.maxPoolBackward(dx.data, dy.data, this.argmax, dy.rows, this.geometry)) {
      this.backend.stepKernels.zero(dx.data);
      maxPoolBackward(dx.data, dy.data, this.argmax, dy.size);
    }
    return dx;
  }
}

export class AveragePooling2D extends Pooling2D {
  constructor(opts: Pooling2DOptions = {}) {
    super(opts, 'AveragePooling2D');
  }

  // y = mean over each window.
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const y = this.buffer('y', x.rows, this.outputShape);
    avgPoolForward(y.data, x.data, x.rows, this.geometry);
    return y;
  }

  // From y = (1/n)·Σ_window x: every pixel of a window gets dy/n.
  backward(dy: Tensor): Tensor {
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    if (this.needsInputGrad) {
      this.backend.stepKernels.zero(dx.data);
      avgPoolBackward(dx.data, dy.data, dy.rows, this.geometry);
    }
    return dx;
  }
}

/** (B, H, W, C) → (B, C): the mean of each channel over the image. */
export class GlobalAveragePooling2D extends Layer {
  protected doBuild(inputShape: readonly number[]): readonly number[] {
    const [, , C] = imageShape(this, 'GlobalAveragePooling2D', inputShape);
    return [C];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const [H, W, C] = this.inputShape;
    const y = this.buffer('y', x.rows, this.outputShape);
    globalAvgPoolForward(y.data, x.data, x.rows, H * W, C);
    return y;
  }

  // From y[b, c] = (1/HW)·Σ_pixels x: each pixel gets dy/HW.
  backward(dy: Tensor): Tensor {
    const [H, W, C] = this.inputShape;
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    if (this.needsInputGrad) {
      this.backend.stepKernels.zero(dx.data);
      globalAvgPoolBackward(dx.data, dy.data, dy.rows, H * W, C);
    }
    return dx;
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

registerLayer('MaxPooling2D', MaxPooling2D, (c) => new MaxPooling2D(c as Pooling2DOptions));
registerLayer('AveragePooling2D', AveragePooling2D, (c) => new AveragePooling2D(c as Pooling2DOptions));
registerLayer('GlobalAveragePooling2D', GlobalAveragePooling2D, (c) => new GlobalAveragePooling2D(typeof c.name === 'string' ? c.name : undefined));
