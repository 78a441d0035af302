// Batch-normalization kernels. With channels last, every input the layer accepts is a (N, C)
// matrix: N = B for (B, F) features, N = B·H·W for (B, H, W, C) images; each column c is
// normalised over its N values. These are the plain loops: the oracle the wasm kernels
// (assembly/image.ts) are tested against, and the fallback for buffers outside wasm memory.
//
// x, y, dy, dx (N, C); gamma, beta, mean, invStd, running mean and variance (C), row-major;
// acc (2C) float64 scratch the caller owns (sums run in float64; nothing is allocated here).
// relu: the layer computes a ReLU that follows it in the model (BatchNormalization.fuseNext):
// y = max(0, γ·xhat + β), and the backward first zeroes dy where γ·xhat + β is not > 0.

/**
 * Training forward: mean[c] and biased variance var[c] over the N rows, invStd = 1/√(var + ε),
 * y = γ·(x − mean)·invStd + β (then the ReLU when relu). var is written into `variance` (the caller
 * folds it into its running estimate). Sums in float64, in two passes (Σ(x − mean)², not
 * Σx² − N·mean²): no cancellation when |mean| ≫ std.
 */
export function batchNormTrainForward(y: Float32Array, mean: Float32Array, variance: Float32Array, invStd: Float32Array, x: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, acc: Float64Array, N: number, C: number, epsilon: number, relu = false): void {
  acc.fill(0, 0, 2 * C); // acc[c] = Σ x, then acc[C + c] = Σ (x − mean)²
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) acc[c] += x[r + c];
  }
  for (let c = 0; c < C; c++) mean[c] = acc[c] / N;
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      const d = x[r + c] - mean[c];
      acc[C + c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    variance[c] = acc[C + c] / N;
    invStd[c] = 1 / Math.sqrt(acc[C + c] / N + epsilon);
  }
  normalize(y, x, mean, invStd, gamma, beta, N, C, relu);
}

/** Evaluation forward: y = γ·(x − runningMean)/√(runningVar + ε) + β; invStd (C) is written for the backward. */
export function batchNormEvalForward(y: Float32Array, invStd: Float32Array, x: Readonly<Float32Array>, runningMean: Readonly<Float32Array>, runningVar: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, N: number, C: number, epsilon: number, relu = false): void {
  for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(runningVar[c] + epsilon);
  normalize(y, x, runningMean, invStd, gamma, beta, N, C, relu);
}

/** The value before the ReLU: γ·xhat + β, xhat = (x − mean)·invStd (forward and backward share it). */
function affine(x: number, mean: number, invStd: number, gamma: number, beta: number): number {
  return gamma * Math.fround((x - mean) * invStd) + beta;
}

function normalize(y: Float32Array, x: Readonly<Float32Array>, mean: Readonly<Float32Array>, invStd: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, N: number, C: number, relu: boolean): void {
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      const v = affine(x[r + c], mean[c], invStd[c], gamma[c], beta[c]);
      y[r + c] = relu && !(v > 0 || v !== v) ? 0 : v;
    }
  }
}

/**
 * Backward, accumulating dγ and dβ; dx is written. xhat = (x − mean)·invStd is recomputed from the
 * forward's x and mean (the batch mean in training, the running mean in evaluation), and with relu
 * dy is zeroed first where γ·xhat + β ≤ 0. From y = γ·xhat + β:
 *   dβ += Σ_n dy,   dγ += Σ_n dy·xhat,   dxhat = dy·γ.
 * In training mean and invStd depend on x too (xhat = (x − μ)·σ⁻¹ with μ = Σx/N, σ² = Σ(x − μ)²/N);
 * differentiating through both gives, per column,
 *   dx = (invStd/N)·(N·dxhat − Σ dxhat − xhat·Σ(dxhat·xhat))
 *      = γ·invStd·(dy − (dβ_batch + xhat·dγ_batch)/N),
 * with dβ_batch = Σ dy and dγ_batch = Σ dy·xhat of this batch alone. In evaluation the statistics are
 * constants: dx = γ·invStd·dy. dx may be null (not wanted).
 */
export function batchNormBackward(dx: Float32Array | null, dgamma: Float32Array, dbeta: Float32Array, dy: Readonly<Float32Array>, x: Readonly<Float32Array>, mean: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, invStd: Readonly<Float32Array>, acc: Float64Array, N: number, C: number, training: boolean, relu = false): void {
  const g = (i: number, c: number): number => (relu && !(affine(x[i], mean[c], invStd[c], gamma[c], beta[c]) > 0) ? 0 : dy[i]);
  acc.fill(0, 0, 2 * C); // acc[c] = Σ dy, acc[C + c] = Σ dy·xhat
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      const d = g(r + c, c);
      acc[c] += d;
      acc[C + c] += d * (x[r + c] - mean[c]) * invStd[c];
    }
  }
  for (let c = 0; c < C; c++) {
    dbeta[c] += acc[c];
    dgamma[c] += acc[C + c];
  }
  if (!dx) return;
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      const k = gamma[c] * invStd[c];
      const d = g(r + c, c);
      dx[r + c] = training ? k * (d - (acc[c] + (x[r + c] - mean[c]) * invStd[c] * acc[C + c]) / N) : k * d;
    }
  }
}
