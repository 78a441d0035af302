// Row-wise and element-wise kernels used by layers, losses and metrics. Out-first, sizes last,
// each returns out. B rows (the batch), C columns (classes), n values.

/** out (B,C) = softmax of each row of x (B,C); out may alias x. Subtracts the row max for stability. */
export function softmaxRows(out: Float32Array, x: Readonly<Float32Array>, B: number, C: number): Float32Array {
  for (let b = 0; b < B; b++) {
    const row = b * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) if (x[row + j] > max) max = x[row + j];
    let sum = 0;
    for (let j = 0; j < C; j++) {
      const e = Math.exp(x[row + j] - max);
      out[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < C; j++) out[row + j] *= inv;
  }
  return out;
}

/** log Σ_j e^(x[row + j]) over C values, computed as max + log Σ e^(x − max) so it never overflows. */
export function logSumExp(x: Readonly<Float32Array>, row: number, C: number): number {
  let max = -Infinity;
  for (let j = 0; j < C; j++) if (x[row + j] > max) max = x[row + j];
  let sum = 0;
  for (let j = 0; j < C; j++) sum += Math.exp(x[row + j] - max);
  return max + Math.log(sum);
}

/** out (B,C) = log-softmax of each row of x (B,C): x − logSumExp(row); out may alias x. */
export function logSoftmaxRows(out: Float32Array, x: Readonly<Float32Array>, B: number, C: number): Float32Array {
  for (let b = 0; b < B; b++) {
    const row = b * C;
    const lse = logSumExp(x, row, C);
    for (let j = 0; j < C; j++) out[row + j] = x[row + j] - lse;
  }
  return out;
}

/** The index (0..C-1) of the largest of the C values x[row..row+C); ties go to the first. */
export function argmaxRow(x: Readonly<Float32Array>, row: number, C: number): number {
  let best = 0;
  for (let j = 1; j < C; j++) if (x[row + j] > x[row + best]) best = j;
  return best;
}

/** out (B) = index of the largest value in each row of x (B,C); ties go to the first. */
export function argmaxRows<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array>(out: T, x: Readonly<Float32Array>, B: number, C: number): T {
  for (let b = 0; b < B; b++) out[b] = argmaxRow(x, b * C, C);
  return out;
}

/** out (n) = alpha · x (n); out may alias x. */
export function scale(out: Float32Array, x: Readonly<Float32Array>, alpha: number, n: number = x.length): Float32Array {
  for (let i = 0; i < n; i++) out[i] = alpha * x[i];
  return out;
}

/** Σ x², accumulated in float64. */
export function sumSquares(x: Readonly<Float32Array>, n: number = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/** The index and value of the first non-finite entry of x, or null when all are finite. */
export function findNonFinite(x: Readonly<Float32Array>, n: number = x.length): { index: number; value: number } | null {
  // Fast pass: NaN and ±Infinity survive addition (and a float64 sum of float32 values cannot
  // overflow: n · 3.4e38 ≪ 1.8e308), so a finite sum proves every entry finite at one add each.
  // Four partial sums, so the adds do not wait on each other's latency (~4x faster).
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (let i = n4; i < n; i++) s0 += x[i];
  if (Number.isFinite(s0 + s1 + s2 + s3)) return null;
  for (let i = 0; i < n; i++) {
    // x − x is NaN exactly for NaN and ±Infinity: one test instead of two.
    if (x[i] - x[i] !== 0) return { index: i, value: x[i] };
  }
  return null;
}

/** The smallest normal float32, 2⁻¹²⁶ ≈ 1.18e-38. A non-zero float32 smaller in magnitude is subnormal. */
export const MIN_NORMAL_F32 = 2 ** -126;

/**
 * x, or a zero of x's sign when 0 < |x| < 2⁻¹²⁶ (what a CPU's flush-to-zero mode gives; NaN stays NaN).
 * Optimizer steps store every value through it: see lib/optimizers/optimizer.ts for why.
 */
export function flushSubnormal(x: number): number {
  return x < MIN_NORMAL_F32 && x > -MIN_NORMAL_F32 ? 0 * x : x;
}

/** How many of the first n values of x are subnormal (non-zero, |x| < 2⁻¹²⁶). */
export function countSubnormals(x: Readonly<Float32Array>, n: number = x.length): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== 0 && v < MIN_NORMAL_F32 && v > -MIN_NORMAL_F32) count++;
  }
  return count;
}
