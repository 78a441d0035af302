// Adam: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^t);  v̂ = v/(1−β2^t);
//       w ← w − η·m̂ / (√v̂ + ε).
// Reference: Kingma & Ba (2015), Algorithm 1. t counts optimizer steps (1 on the first), not examples.
// The moments, bias corrections and the backend call are shared with Nadam (./moments.ts).

import { AdaptiveMoments } from './moments';
import type { OptimizerConfig } from './optimizer';

export class Adam extends AdaptiveMoments {
  readonly name = 'adam';

  /** learning_rate η (0.001), beta1 (0.9), beta2 (0.999), epsilon ε (1e-8), weight_decay λ (0). */
  constructor(config: OptimizerConfig = {}) {
    super('adam', config);
  }

  /** The step follows m̂ = m/(1−β1^t) alone. */
  protected direction(c1: number): { kM: number; kG: number } {
    return { kM: 1 / c1, kG: 0 };
  }
}
