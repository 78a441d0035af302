// Batch-normalization kernels. With channels last, every input the layer accepts is a (N, C)
// matrix: N = B for (B, F) features, N = B·H·W for (B, H, W, C) images; each column c is
// normalised over its N values.
//
// x, y, xhat (N, C); gamma, beta, mean, invStd, running mean and variance (C), row-major;
// acc (2C) float64 scratch the caller owns (sums run in float64; nothing is allocated here).

/**
 * Training forward: mean[c] and biased variance var[c] over the N rows, invStd = 1/√(var + ε),
 * xhat = (x − mean)·invStd, y = γ·xhat + β. Returns nothing beyond the buffers; var is written into
 * `variance` (the caller folds it into its running estimate). Sums in float64.
 */
export function batchNormTrainForward(y: Float32Array, xhat: Float32Array, mean: Float32Array, variance: Float32Array, invStd: Float32Array, x: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, acc: Float64Array, N: number, C: number, epsilon: number): void {
  acc.fill(0, 0, 2 * C); // acc[c] = Σ x, then acc[C + c] = Σ (x − mean)²
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) acc[c] += x[r + c];
  }
  for (let c = 0; c < C; c++) mean[c] = acc[c] / N;
  // Two passes (Σ(x − mean)², not Σx² − N·mean²): no cancellation when |mean| ≫ std.
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
  normalize(y, xhat, x, mean, invStd, gamma, beta, N, C);
}

/** Evaluation forward: y = γ·(x − runningMean)/√(runningVar + ε) + β; invStd (C) is written for the backward. */
export function batchNormEvalForward(y: Float32Array, xhat: Float32Array, invStd: Float32Array, x: Readonly<Float32Array>, runningMean: Readonly<Float32Array>, runningVar: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, N: number, C: number, epsilon: number): void {
  for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(runningVar[c] + epsilon);
  normalize(y, xhat, x, runningMean, invStd, gamma, beta, N, C);
}

function normalize(y: Float32Array, xhat: Float32Array, x: Readonly<Float32Array>, mean: Readonly<Float32Array>, invStd: Readonly<Float32Array>, gamma: Readonly<Float32Array>, beta: Readonly<Float32Array>, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      const h = (x[r + c] - mean[c]) * invStd[c];
      xhat[r + c] = h;
      y[r + c] = gamma[c] * h + beta[c];
    }
  }
}

/**
 * Backward, accumulating dγ and dβ; dx is written. From y = γ·xhat + β:
 *   dβ += Σ_n dy,   dγ += Σ_n dy·xhat,   dxhat = dy·γ.
 * In training mean and invStd depend on x too (xhat = (x − μ)·σ⁻¹ with μ = Σx/N, σ² = Σ(x − μ)²/N);
 * differentiating through both gives, per column,
 *   dx = (invStd/N)·(N·dxhat − Σ dxhat − xhat·Σ(dxhat·xhat))
 *      = γ·invStd·(dy − (dβ_batch + xhat·dγ_batch)/N),
 * with dβ_batch = Σ dy and dγ_batch = Σ dy·xhat of this batch alone. In evaluation the statistics are
 * constants: dx = γ·invStd·dy. dx may be null (not wanted).
 */
export function batchNormBackward(dx: Float32Array | null, dgamma: Float32Array, dbeta: Float32Array, dy: Readonly<Float32Array>, xhat: Readonly<Float32Array>, gamma: Readonly<Float32Array>, invStd: Readonly<Float32Array>, acc: Float64Array, N: number, C: number, training: boolean): void {
  acc.fill(0, 0, 2 * C); // acc[c] = Σ dy, acc[C + c] = Σ dy·xhat
  for (let n = 0; n < N; n++) {
    const r = n * C;
    for (let c = 0; c < C; c++) {
      acc[c] += dy[r + c];
      acc[C + c] += dy[r + c] * xhat[r + c];
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
      dx[r + c] = training ? k * (dy[r + c] - (acc[c] + xhat[r + c] * acc[C + c]) / N) : k * dy[r + c];
    }
  }
}
