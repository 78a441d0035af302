// Permute: reorders the axes of each sample, as Keras's Permute(dims). Its main use is feeding
// channels-first (NCHW, PyTorch's layout) images to scratchnet's channels-last layers:
// Permute({ dims: [2, 3, 1] }) turns (B, C, H, W) into (B, H, W, C). Kernels in lib/kernels/permute.ts.
//
// dims, as Keras: a permutation of 1..rank (1-based; the batch axis is never moved). Output axis k is
// input axis dims[k]. x (B, ...inputShape), y (B, inputShape[dims[0] − 1], ...).

import { permutationSource, permuteBackward, permuteForward } from '../kernels/permute';
import { shapeSize, type Tensor } from '../tensor';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';

export interface PermuteOptions {
  /** The new order of the per-sample axes, 1-based as Keras: [2, 3, 1] maps (C, H, W) to (H, W, C). */
  dims: readonly number[];
  name?: string;
}

export class Permute extends Layer {
  readonly dims: readonly number[];
  /** For each output element of a sample, the input element it copies (set by build). */
  private src = new Int32Array(0);

  constructor(opts: PermuteOptions) {
    super(opts.name);
    const dims = opts?.dims;
    const ok = Array.isArray(dims) && dims.length > 0 && [...dims].sort((a, b) => a - b).every((d, i) => d === i + 1);
    if (!ok) throw new Error(`Permute dims must be a permutation of 1..rank (1-based, the batch axis excluded, as Keras), e.g. [2, 3, 1]; got ${JSON.stringify(dims)}`);
    this.dims = [...dims];
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== this.dims.length) {
      throw new Error(`layer ${this.name}: Permute dims ${JSON.stringify(this.dims)} reorder ${this.dims.length} axes, but the per-sample input shape [${inputShape.join(', ')}] has ${inputShape.length}`);
    }
    const zeroBased = this.dims.map((d) => d - 1);
    this.src = new Int32Array(shapeSize(inputShape));
    permutationSource(this.src, inputShape, zeroBased);
    return zeroBased.map((d) => inputShape[d]);
  }

  // y[b, j] = x[b, src[j]].
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const y = this.buffer('y', x.rows, this.outputShape);
    permuteForward(y.data, x.data, this.src, x.rows, this.src.length);
    return y;
  }

  // From y[b, j] = x[b, src[j]]: ∂y[b, j]/∂x[b, i] = 1 exactly when i = src[j], so dx[b, src[j]] = dy[b, j].
  backward(dy: Tensor): Tensor {
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    if (this.needsInputGrad) permuteBackward(dx.data, dy.data, this.src, dy.rows, this.src.length);
    return dx;
  }

  getConfig(): Record<string, unknown> {
    return { dims: [...this.dims] };
  }
}

registerLayer('Permute', Permute, (c) => new Permute(c as unknown as PermuteOptions));
