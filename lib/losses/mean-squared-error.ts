// Mean squared error, Keras's definition: the mean over all B·C entries,
// L = (1/(B·C)) Σ_b Σ_c (p_bc − y_bc)²,  dL/dp_bc = 2 (p_bc − y_bc) / (B·C).
// The assignment applies it to the softmax output (a model ending in Softmax).
//
// B batch size, C outputs. p, y, dp are (B, C).

import type { Loss } from './loss';

export class MeanSquaredError implements Loss {
  readonly name = 'mean_squared_error';

  compute(dp: Float32Array | null, p: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    const n = B * C;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = p[i] - y[i];
      total += d * d;
      if (dp) dp[i] = (2 * d) / n;
    }
    return total / n;
  }
}
