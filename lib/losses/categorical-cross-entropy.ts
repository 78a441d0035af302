// Cross-entropy on probabilities, for models that end in Softmax (Keras's categorical_crossentropy):
// L = −(1/B) Σ_b Σ_c y_bc · log(clip(p_bc, ε, 1 − ε)), ε = 1e-7 as in Keras.
// dL/dp_bc = −y_bc / (B · p_bc) inside the clip range, 0 outside (the clip is flat there).
// Through a final softmax p = softmax(z) (computeThroughSoftmax), the chain rule collapses:
// dL/dz_bc = Σ_j dL/dp_bj · p_bj (δ_jc − p_bc) = (p_bc · Σ_j y_bj − y_bc) / B  (ignoring the clip,
// which only matters for p within 1e-7 of 0 or 1, where this form is the exact one anyway).
//
// B batch size, C classes. p, y, dp are (B, C).

import type { Loss } from './loss';

export const PROB_EPSILON = 1e-7;

export class CategoricalCrossEntropy implements Loss {
  readonly name = 'categorical_crossentropy';
  readonly input = 'any';

  compute(dp: Float32Array | null, p: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    let total = 0;
    const n = B * C;
    for (let i = 0; i < n; i++) {
      const pi = p[i];
      const clipped = pi < PROB_EPSILON ? PROB_EPSILON : pi > 1 - PROB_EPSILON ? 1 - PROB_EPSILON : pi;
      if (y[i] !== 0) total -= y[i] * Math.log(clipped);
      if (dp) dp[i] = clipped === pi ? -y[i] / (B * pi) : 0;
    }
    return total / B;
  }

  computeThroughSoftmax(dz: Float32Array | null, p: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    const value = this.compute(null, p, y, B, C);
    if (dz) {
      for (let b = 0; b < B; b++) {
        const row = b * C;
        let ySum = 0;
        for (let j = 0; j < C; j++) ySum += y[row + j];
        for (let j = 0; j < C; j++) dz[row + j] = (p[row + j] * ySum - y[row + j]) / B;
      }
    }
    return value;
  }
}
