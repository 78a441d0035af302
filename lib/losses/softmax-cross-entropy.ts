// Softmax cross-entropy from logits, fused: L = −(1/B) Σ_b Σ_c y_bc · log softmax(z_b)_c.
// Fusing is stable (log-sum-exp with the row max subtracted, never log of a rounded-to-0
// probability) and gives the famous short gradient dL/dz_bc = (p_bc · Σ_k y_bk − y_bc) / B.
//
// B batch size, C classes. z, y, dz are (B, C).

import type { Loss } from './loss';

export class SoftmaxCrossEntropy implements Loss {
  readonly name = 'softmax_cross_entropy';

  compute(dz: Float32Array | null, z: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    let total = 0;
    for (let b = 0; b < B; b++) {
      const row = b * C;
      let max = -Infinity;
      for (let j = 0; j < C; j++) if (z[row + j] > max) max = z[row + j];
      let sum = 0;
      for (let j = 0; j < C; j++) sum += Math.exp(z[row + j] - max);
      const lse = max + Math.log(sum);
      let ySum = 0;
      for (let j = 0; j < C; j++) {
        const yj = y[row + j];
        if (yj !== 0) total -= yj * (z[row + j] - lse);
        ySum += yj;
      }
      if (dz) {
        for (let j = 0; j < C; j++) dz[row + j] = (Math.exp(z[row + j] - lse) * ySum - y[row + j]) / B;
      }
    }
    return total / B;
  }
}
