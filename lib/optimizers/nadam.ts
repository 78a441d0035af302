// Nadam, Dozat (2016) without the momentum schedule, the form taught in the course (DA6401/CS6910):
//   m, v, m̂, v̂ as in Adam;  w ← w − η/(√v̂ + ε) · (β1·m̂ + (1−β1)·g/(1−β1^t)).
// Reference: Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop, Algorithm 2 with
// μ_t = β1 for all t. Keras and PyTorch Nadam add the schedule μ_t = β1·(1 − 0.5·0.96^(t·0.004)), so their
// numbers differ slightly from these. The moments, bias corrections and the backend call are shared with
// Adam (./moments.ts).

import { AdaptiveMoments } from './moments';
import type { OptimizerConfig } from './optimizer';

export class Nadam extends AdaptiveMoments {
  readonly name = 'nadam';

  /** learning_rate η (0.001), beta1 (0.9), beta2 (0.999), epsilon ε (1e-8), weight_decay λ (0). */
  constructor(config: OptimizerConfig = {}) {
    super('nadam', config);
  }

  /**
   * The Nesterov direction looks one momentum step ahead with this step's gradient: β1·m̂ = (β1/c1)·m,
   * plus the gradient's share (1−β1)·g, corrected with the same c1 = 1 − β1^t as m̂.
   */
  protected direction(c1: number): { kM: number; kG: number } {
    return { kM: this.beta1 / c1, kG: (1 - this.beta1) / c1 };
  }
}
