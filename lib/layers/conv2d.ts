// Conv2D: a 2-D convolution over channels-last images, y = conv(x, W) + b, optionally followed by
// an activation (Keras's `activation` option), as Dense. Computed as im2col + one GEMM:
// the windows of x become the rows of a matrix X (B·OH·OW, KH·KW·C), and y = X·W + b is Dense's
// forward pass on it; backward is Dense's backward followed by col2im (lib/kernels/conv.ts).
//
// B batch; x (B, H, W, C); y (B, OH, OW, OC); kernel W (KH, KW, C, OC) (Keras's layout); bias b (OC).

import type { Initializer, InitializerName } from '../init/initializers';
import { col2im, convGeometry, im2col, type ConvGeometry, type Padding } from '../kernels/conv';
import { Tensor } from '../tensor';
import { createActivation, type ActivationName } from './activations';
import { Layer, type ForwardContext, type Param } from './layer';
import { registerLayer } from './registry';

export interface Conv2DOptions {
  /** Output channels OC (positive integer). */
  filters: number;
  /** KH×KW, or one number for a square window. */
  kernelSize: number | readonly [number, number];
  /** SH×SW, or one number (default 1). */
  strides?: number | readonly [number, number];
  /**
   * 'valid' (default, as Keras): no padding; 'same': output ⌈H/SH⌉ × ⌈W/SW⌉ (TensorFlow's rule); a
   * number p or [ph, pw]: that many zero rows/columns on each side, as PyTorch's padding=p.
   */
  padding?: 'same' | 'valid' | number | readonly [number, number];
  /** Applied after the convolution. Default 'identity'. */
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorot_uniform', as Keras (fanIn = KH·KW·C, fanOut = KH·KW·OC). */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. Scaled initializers see the kernel's fans (PyTorch's bias: 'pytorch_uniform'). */
  biasInitializer?: InitializerName | Initializer;
  name?: string;
}

/** [a, a] for a number, the pair itself otherwise; positive integers only. */
export function pairOf(v: number | readonly [number, number], what: string, min = 1): [number, number] {
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) throw new Error(`${what} must be a number or [height, width], got ${JSON.stringify(v)}`);
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(`${what} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Normalises a padding option: 'same', 'valid' or [ph, pw] ≥ 0. */
export function paddingOf(v: unknown, what: string): Padding {
  if (v === 'same' || v === 'valid') return v;
  if (typeof v === 'number' || Array.isArray(v)) return pairOf(v as number | [number, number], what, 0);
  throw new Error(`${what} must be 'same', 'valid', a number or [height, width], got ${JSON.stringify(v)}`);
}

/** Checks an image input shape [H, W, C] and names the layer in the error. */
export function imageShape(layer: Layer, kind: string, inputShape: readonly number[]): [number, number, number] {
  if (inputShape.length !== 3) {
    throw new Error(`layer ${layer.name}: ${kind} expects images (batch, height, width, channels), got per-sample shape [${inputShape.join(', ')}]`);
  }
  return [inputShape[0], inputShape[1], inputShape[2]];
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly activationName: ActivationName;
  readonly activation: Layer | null;
  private readonly kernelInit: InitializerName | Initializer;
  private readonly biasInit: InitializerName | Initializer;
  kernel!: Param;
  bias: Param | null = null;
  /** The window geometry, set by build. */
  geometry!: ConvGeometry;
  private cols: Tensor | null = null;

  constructor(opts: Conv2DOptions) {
    super(opts.name);
    if (!Number.isInteger(opts.filters) || opts.filters < 1) throw new Error(`Conv2D filters must be a positive integer, got ${opts.filters}`);
    this.filters = opts.filters;
    this.kernelSize = pairOf(opts.kernelSize, 'Conv2D kernelSize');
    this.strides = pairOf(opts.strides ?? 1, 'Conv2D strides');
    this.padding = paddingOf(opts.padding ?? 'valid', 'Conv2D padding');
    this.useBias = opts.useBias ?? true;
    this.activationName = opts.activation ?? 'identity';
    this.activation = this.activationName === 'identity' || this.activationName === 'linear' ? null : createActivation(this.activationName);
    this.kernelInit = opts.kernelInitializer ?? 'glorot_uniform';
    this.biasInit = opts.biasInitializer ?? 'zeros';
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    const [H, W, C] = imageShape(this, 'Conv2D', inputShape);
    const [KH, KW] = this.kernelSize;
    const g = convGeometry(H, W, C, KH, KW, this.strides[0], this.strides[1], this.padding);
    if (g.OH < 1 || g.OW < 1) throw new Error(`layer ${this.name}: a ${KH}×${KW} kernel with padding ${JSON.stringify(this.padding)} does not fit a ${H}×${W} image`);
    this.geometry = g;
    const K = KH * KW * C;
    this.kernel = this.addWeight('kernel', [KH, KW, C, this.filters], { initializer: this.kernelInit, fanIn: K, fanOut: KH * KW * this.filters });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], { initializer: this.biasInit, decay: 0, fanIn: K, fanOut: KH * KW * this.filters });
    const out = [g.OH, g.OW, this.filters];
    this.activation?.build(out, this.backend);
    return out;
  }

  // X = im2col(x) (B·OH·OW, K), z = X·W + b: Dense's forward, one row per output pixel.
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const B = x.rows;
    const g = this.geometry;
    const K = g.KH * g.KW * g.C;
    const cols = this.buffer('cols', B * g.OH * g.OW, [K]);
    if (!this.backend.imageKernels?.im2col(cols.data, x.data, B, g)) im2col(cols.data, x.data, B, g);
    const z = this.buffer('z', B, this.outputShape);
    this.backend.denseForward(z.data, cols.data, this.kernel.value, this.bias ? this.bias.value : null, B * g.OH * g.OW, K, this.filters);
    this.cols = cols;
    return this.activation ? this.activation.forward(z, ctx) : z;
  }

  // From z = X·W + b:  dW += Xᵀ·dz,  db += Σ_rows dz,  dX = dz·Wᵀ;  then dx = col2im(dX), the adjoint
  // of the copy im2col made (each pixel collects the gradient of every window it sat in).
  backward(dy: Tensor): Tensor {
    if (!this.cols) throw new Error(`layer ${this.name}: backward called before forward`);
    const dz = this.activation ? this.activation.backward(dy) : dy;
    const B = dz.rows;
    const g = this.geometry;
    const K = g.KH * g.KW * g.C;
    const P = B * g.OH * g.OW;
    const OC = this.filters;
    this.backend.gemmTN(this.kernel.grad, this.cols.data, dz.data, K, P, OC, true);
    if (this.bias) this.backend.colSum(this.bias.grad, dz.data, P, OC, true);
    const dx = this.buffer('dx', B, this.inputShape);
    if (this.needsInputGrad) {
      // dX reuses the cols buffer: X is not needed any more in this step.
      this.backend.gemmNT(this.cols.data, dz.data, this.kernel.value, P, OC, K);
      this.backend.stepKernels.zero(dx.data);
      if (!this.backend.imageKernels?.col2im(dx.data, this.cols.data, B, g)) col2im(dx.data, this.cols.data, B, g);
      this.cols = null;
    }
    return dx;
  }

  override dispose(): void {
    super.dispose();
    this.activation?.dispose();
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      activation: this.activationName,
      useBias: this.useBias,
      ...(typeof this.kernelInit === 'string' ? { kernelInitializer: this.kernelInit } : {}),
      ...(typeof this.biasInit === 'string' ? { biasInitializer: this.biasInit } : {}),
    };
  }
}

registerLayer('Conv2D', Conv2D, (c) => new Conv2D(c as unknown as Conv2DOptions));
