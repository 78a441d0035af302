// Class-weighted softmax cross-entropy from logits, the dynamical loss of Ruiz-Garcia et al.
// (ICML 2021): L = −(1/B) Σ_b Σ_c w_c · y_bc · log softmax(z_b)_c.
// (The Keras implementation writes −mean(log_softmax(z)·Y·w)·C; the mean over B·C entries times C is the 1/B.)
// With s_b = Σ_k w_k y_bk:  dL/dz_bc = (s_b · p_bc − w_c · y_bc) / B.
// The weights may change every step (setWeights); with all w_c = 1 this is plain cross-entropy.
//
// B batch size, C classes. z, y, dz are (B, C); w is (C).

import { logSumExp } from '../ops';
import type { Loss } from './loss';

export class WeightedCrossEntropy implements Loss {
  readonly name = 'weighted_cross_entropy';
  /** Applies softmax itself: the model must end in logits. */
  readonly input = 'logits';
  /** The current class weights (C). */
  readonly weights: Float32Array;

  constructor(numClasses: number, weights?: ArrayLike<number>) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`WeightedCrossEntropy needs a positive class count, got ${numClasses}`);
    this.weights = new Float32Array(numClasses).fill(1);
    if (weights) this.setWeights(weights);
  }

  /** Replaces the class weights (copied; no allocation). */
  setWeights(w: ArrayLike<number>): void {
    if (w.length !== this.weights.length) throw new Error(`class weights must have ${this.weights.length} entries, got ${w.length}`);
    for (let c = 0; c < w.length; c++) {
      if (!Number.isFinite(w[c])) throw new Error(`class weight ${c} is ${w[c]}, expected a finite number`);
      this.weights[c] = w[c];
    }
  }

  compute(dz: Float32Array | null, z: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    if (C !== this.weights.length) throw new Error(`WeightedCrossEntropy has ${this.weights.length} class weights but predictions have ${C} classes`);
    return softmaxCrossEntropy(dz, z, y, this.weights, B, C);
  }
}

/**
 * The mean class-weighted softmax cross-entropy of logits z (B,C) against targets y (B,C), with
 * weights w (C) or none (all 1); writes dL/dz into dz when given:
 *   L = −(1/B) Σ_b Σ_c w_c y_bc (z_bc − lse_b),   dL/dz_bc = (s_b p_bc − w_c y_bc) / B,
 * where lse_b = log Σ_k e^(z_bk), p_bc = e^(z_bc − lse_b) and s_b = Σ_k w_k y_bk.
 */
export function softmaxCrossEntropy(dz: Float32Array | null, z: Readonly<Float32Array>, y: Readonly<Float32Array>, w: Readonly<Float32Array> | null, B: number, C: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    const lse = logSumExp(z, row, C);
    let s = 0;
    for (let j = 0; j < C; j++) {
      const wy = (w ? w[j] : 1) * y[row + j];
      if (wy !== 0) total -= wy * (z[row + j] - lse);
      s += wy;
    }
    if (dz) {
      for (let j = 0; j < C; j++) dz[row + j] = (s * Math.exp(z[row + j] - lse) - (w ? w[j] : 1) * y[row + j]) / B;
    }
  }
  return total / B;
}
