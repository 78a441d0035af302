// Adam: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^t);  v̂ = v/(1−β2^t);
//       w ← w − η·m̂ / (√v̂ + ε).
// Reference: Kingma & Ba (2015), Algorithm 1. t counts optimizer steps (1 on the first), not examples.

import { flushSubnormal } from '../ops';
import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export class Adam extends BaseOptimizer {
  readonly name = 'adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** First and second moments m, v (n each), allocated on the first step. */
  private m = EMPTY;
  private v = EMPTY;

  /** learning_rate η (0.001), beta1 (0.9), beta2 (0.999), epsilon ε (1e-8), weight_decay λ (0). */
  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('adam', config);
    this.learningRate = hyperparameter('adam', config, 'learning_rate', 0.001, 'positive');
    this.beta1 = hyperparameter('adam', config, 'beta1', 0.9, 'unit');
    this.beta2 = hyperparameter('adam', config, 'beta2', 0.999, 'unit');
    this.epsilon = hyperparameter('adam', config, 'epsilon', 1e-8, 'positive');
    this.weightDecay = hyperparameter('adam', config, 'weight_decay', 0, 'nonnegative');
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay);
    if (this.m.length !== n) {
      this.m = this.allocSlot(n);
      this.v = this.allocSlot(n);
    }
    const m = this.m;
    const v = this.v;
    const lr = this.learningRate;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.epsilon;
    const wd = this.weightDecay;
    // Bias corrections, once per step: divide (not multiply) by 1 − β^t.
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    if (this.kernels?.adam(params, grads, decay, m, v, { lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, c1, c2, nadam: false })) return;
    for (let i = 0; i < n; i++) {
      const w = params[i];
      const g = grads[i] + wd * decay[i] * w;
      const mi = flushSubnormal(b1 * m[i] + (1 - b1) * g);
      const vi = flushSubnormal(b2 * v[i] + (1 - b2) * g * g);
      m[i] = mi;
      v[i] = vi;
      params[i] = flushSubnormal(w - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps));
    }
  }

  getConfig(): Record<string, number | string> {
    return {
      name: this.name, learning_rate: this.learningRate, beta1: this.beta1, beta2: this.beta2,
      epsilon: this.epsilon, weight_decay: this.weightDecay,
    };
  }
}
