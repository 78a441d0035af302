// The kernel interface every layer computes through. Two implementations exist: the readable
// pure-TypeScript reference (./reference.ts, the oracle) and a fast one that may replace it.
//
// Dimension letters used below:
//   M  rows of the result (the batch, in a dense layer)
//   K  the contracted dimension
//   N  columns of the result
// Every matrix is a row-major Float32Array. Every kernel writes its result into `out` (the first
// argument), takes its sizes last, and returns `out`. With `accumulate` true the result is added to
// what `out` already holds (backward passes accumulate gradients, see Layer.zeroGrad).

/** A buffer is a plain Float32Array; fast backends may hand out views into their own memory. */
export type Buffer = Float32Array;
/** Inputs are never written by a kernel. */
export type ReadBuffer = Readonly<Float32Array>;

export interface Backend {
  /** 'reference' or the name of a faster implementation. */
  readonly name: string;

  /**
   * A zero-filled buffer of n floats that kernels of this backend can read and write without
   * copying. Layers allocate every activation, parameter and gradient buffer here, once.
   */
  alloc(n: number): Buffer;

  /**
   * Optional: gives a buffer from alloc back to the backend for reuse (the wasm backend's memory is
   * not garbage-collected). The buffer must not be used afterwards. Backends without it rely on GC.
   */
  free?(buf: Buffer): void;

  /** out (M,N) = a (M,K) · b (K,N). */
  gemm(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate?: boolean): Buffer;

  /**
   * out (M,N) = aᵀ · b, with a (K,M) and b (K,N): the weight gradient xᵀ·dy. With `prepared`, the handle
   * a denseForward filled for this same a, unchanged since (see inputHandle), a backend may reuse what it
   * learned there instead of reading a again.
   */
  gemmTN(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate?: boolean, prepared?: InputHandle | null): Buffer;

  /** out (M,N) = a · bᵀ, with a (M,K) and b (N,K): the input gradient dy·Wᵀ. */
  gemmNT(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate?: boolean): Buffer;

  /**
   * The dense layer's forward pass: out (B,OC) = inp (B,C) · weight (C,OC) + bias (OC).
   * A backend may fuse the bias into its GEMM; the reference calls gemm then addBias.
   * With `prepare`, a handle from inputHandle(), the backend records in it what it learned about inp
   * (for the gemmTN of the weight gradient xᵀ·dz that reads the same inp).
   */
  denseForward(out: Buffer, inp: ReadBuffer, weight: ReadBuffer, bias: ReadBuffer | null, B: number, C: number, OC: number, prepare?: InputHandle | null): Buffer;

  /**
   * Optional: a new handle through which a dense layer's forward pass hands its input's analysis to the
   * backward pass (the wasm backend: the count of x's nonzeros and, when it skipped zeros, x's
   * compressed rows, from which dW = xᵀ·dz gets xᵀ's by a counting sort instead of reading x again).
   * The layer owns it: denseForward(…, handle) fills it, and gemmTN(…, handle) may use it only for that
   * same x, unchanged; the layer passes it on only from a forward that filled it. dispose() frees it.
   */
  inputHandle?(): InputHandle;

  /** out (M,N) = x (M,N) + bias (N), bias broadcast over rows. out may alias x. */
  addBias(out: Buffer, x: ReadBuffer, bias: ReadBuffer, M: number, N: number): Buffer;

  /** out (N) (+)= Σ_rows x (M,N): the bias gradient. */
  colSum(out: Buffer, x: ReadBuffer, M: number, N: number, accumulate?: boolean): Buffer;

  /**
   * The rest of a training step: fused optimizer updates, gradient zeroing and norm, ReLU. The reference
   * backend's are plain loops (./reference-step.ts); the wasm backend's are SIMD loops on its memory.
   * (In V8 a JS loop over a view of shared wasm memory is several times slower than over a plain array,
   * so these pay even though each is a single pass.)
   */
  readonly stepKernels: StepKernels;

  /**
   * Optional kernels for the image layers (the wasm backend has them): im2col / col2im, max pooling,
   * batch normalization. Each returns false, having done nothing, when a buffer is not in the
   * backend's memory; the layer then runs the TypeScript kernel of lib/kernels/ instead.
   */
  imageKernels?: ImageKernels | null;
}

/** What a backend keeps about one layer input between its forward and backward passes (Backend.inputHandle). */
export interface InputHandle {
  /** Frees the backend memory it holds; the handle may not be used afterwards. */
  dispose(): void;
}

/** Window geometry of an image kernel: lib/kernels/conv.ts's ConvGeometry. */
export interface ImageGeometry {
  H: number; W: number; C: number; KH: number; KW: number; SH: number; SW: number; PT: number; PL: number; OH: number; OW: number;
}

/** The image-layer kernels; each is lib/kernels/<file>.ts's function of the same name. */
export interface ImageKernels {
  /** cols (B·OH·OW, KH·KW·C) = im2col(inp (B, H, W, C)). */
  im2col(cols: Buffer, inp: ReadBuffer, B: number, g: ImageGeometry): boolean;
  /** dinp (B, H, W, C) += col2im(dcols). */
  col2im(dinp: Buffer, dcols: ReadBuffer, B: number, g: ImageGeometry): boolean;
  /** out (B, OH, OW, C) = window maxima; argmax their flat input indices. */
  maxPoolForward(out: Buffer, argmax: Int32Array, inp: ReadBuffer, B: number, g: ImageGeometry): boolean;
  /** dinp (B, H, W, C) = 0, then dinp[argmax[o]] += dout[o] for every output o. */
  maxPoolBackward(dinp: Buffer, dout: ReadBuffer, argmax: Readonly<Int32Array>, B: number, g: ImageGeometry): boolean;
  /** Batch statistics of x (N, C) into mean, variance, invStd (C); acc: scratch of ≥ 4C floats (2C doubles). */
  batchNormStats(mean: Buffer, variance: Buffer, invStd: Buffer, x: ReadBuffer, acc: Buffer, N: number, C: number, epsilon: number): boolean;
  /** y = γ·(x − mean)·invStd + β, then max(0, y) when relu. */
  batchNormNormalize(y: Buffer, x: ReadBuffer, mean: ReadBuffer, invStd: ReadBuffer, gamma: ReadBuffer, beta: ReadBuffer, N: number, C: number, relu: boolean): boolean;
  /** dγ, dβ accumulate; dx (or null) written: lib/kernels/batchnorm.ts's batchNormBackward. */
  batchNormBackward(dx: Buffer | null, dgamma: Buffer, dbeta: Buffer, dy: ReadBuffer, x: ReadBuffer, mean: ReadBuffer, gamma: ReadBuffer, beta: ReadBuffer, invStd: ReadBuffer, acc: Buffer, N: number, C: number, training: boolean, relu: boolean): boolean;
  /**
   * Inverted dropout (lib/kernels/dropout.ts) drawing from an Rng's stream: state holds its four words
   * (Rng.getState) and is advanced by n draws (Rng.setState takes it back).
   */
  dropoutForward(y: Buffer, mask: Buffer, x: ReadBuffer, state: Int32Array, n: number, rate: number): boolean;
  /** dx (n) = dy ⊙ mask. */
  dropoutBackward(dx: Buffer, dy: ReadBuffer, mask: ReadBuffer, n: number): boolean;
}

/**
 * Training-step kernels. Each optimizer step applies its rule to all n = params.length values, in one
 * call. The rules are those of lib/optimizers/<name>.ts, with g = grads + weightDecay·decay·params, and
 * every value stored (parameters, slots) is flushed to zero when subnormal (see lib/optimizers/optimizer.ts).
 */
export interface StepKernels {
  /**
   * Adam and Nadam: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − η·(mScale·m + gScale·g) / (√(v/c2) + ε),
   * c2 = 1 − β2ᵗ. Adam passes mScale = 1/(1 − β1ᵗ), gScale = 0; Nadam its Nesterov weights.
   */
  adam(params: Buffer, grads: ReadBuffer, decay: ReadBuffer, m: Buffer, v: Buffer,
    h: { lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number; c2: number; mScale: number; gScale: number }): void;
  /** RMSprop: v ← β·v + (1−β)·g²;  w ← w − η·g / (√v + ε). */
  rmsprop(params: Buffer, grads: ReadBuffer, decay: ReadBuffer, v: Buffer, h: { lr: number; beta: number; epsilon: number; weightDecay: number }): void;
  /**
   * Momentum u ← γu + ηg, w ← w − u; with u null, plain SGD w ← w − ηg. With back (NAG's step from its
   * look-ahead point, back = γ): w ← w + back·u_old − u.
   */
  momentum(params: Buffer, grads: ReadBuffer, decay: ReadBuffer, u: Buffer | null, h: { lr: number; gamma: number; weightDecay: number; back?: number }): void;
  /** y (y.length) += a·x (NAG's look-ahead). */
  axpy(y: Buffer, x: ReadBuffer, a: number): void;
  /** y (n) = max(0, x), NaN kept; y may alias x. */
  relu(y: Buffer, x: ReadBuffer, n: number): void;
  /** dx (n) = dy where y > 0, else 0. */
  reluBackward(dx: Buffer, dy: ReadBuffer, y: ReadBuffer, n: number): void;
  /** x = 0 (clearing gradients). */
  zero(x: Buffer): void;
  /** Σ x² (float64 accumulation). */
  sumSquares(x: ReadBuffer): number;
}
