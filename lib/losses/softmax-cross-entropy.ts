// Softmax cross-entropy from logits, fused: L = −(1/B) Σ_b Σ_c y_bc · log softmax(z_b)_c.
// Fusing is stable (log-sum-exp with the row max subtracted, never log of a rounded-to-0
// probability) and gives the famous short gradient dL/dz_bc = (p_bc · Σ_k y_bk − y_bc) / B.
//
// B batch size, C classes. z, y, dz are (B, C).

import type { Loss } from './loss';
import { softmaxCrossEntropy } from './weighted-cross-entropy';

export class SoftmaxCrossEntropy implements Loss {
  readonly name = 'softmax_cross_entropy';
  /** Applies softmax itself: the model must end in logits. */
  readonly input = 'logits';

  compute(dz: Float32Array | null, z: Readonly<Float32Array>, y: Readonly<Float32Array>, B: number, C: number): number {
    // The class-weighted loss with every weight 1 (no weight array at all, so no multiply).
    return softmaxCrossEntropy(dz, z, y, null, B, C);
  }
}
