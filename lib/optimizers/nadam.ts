// Nadam, Dozat (2016) without the momentum schedule, the form taught in the course (DA6401/CS6910):
//   m, v, m̂, v̂ as in Adam;  w ← w − η/(√v̂ + ε) · (β1·m̂ + (1−β1)·g/(1−β1^t)).
// Reference: Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop, Algorithm 2 with
// μ_t = β1 for all t. Keras and PyTorch Nadam add the schedule μ_t = β1·(1 − 0.5·0.96^(t·0.004)), so their
// numbers differ slightly from these.

import { flushSubnormal } from '../ops';
import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export class Nadam extends BaseOptimizer {
  readonly name = 'nadam';
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
    checkConfigKeys('nadam', config);
    this.learningRate = hyperparameter('nadam', config, 'learning_rate', 0.001, 'positive');
    this.beta1 = hyperparameter('nadam', config, 'beta1', 0.9, 'unit');
    this.beta2 = hyperparameter('nadam', config, 'beta2', 0.999, 'unit');
    this.epsilon = hyperparameter('nadam', config, 'epsilon', 1e-8, 'positive');
    this.weightDecay = hyperparameter('nadam', config, 'weight_decay', 0, 'nonnegative');
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
    // Bias corrections, once per step. The current gradient's share (1−β1)·g is corrected with the same
    // 1 − β1^t as m̂ (the Nesterov step looks one momentum step ahead using this step's gradient).
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    const kM = b1 / c1; // weight of m in the Nesterov direction: β1·m̂ = (β1/c1)·m
    const kG = (1 - b1) / c1; // weight of g: (1−β1)·g/(1−β1^t)
    if (this.kernels?.adam(params, grads, decay, m, v, { lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, c1, c2, nadam: true })) return;
    for (let i = 0; i < n; i++) {
      const w = params[i];
      const g = grads[i] + wd * decay[i] * w;
      const mi = flushSubnormal(b1 * m[i] + (1 - b1) * g);
      const vi = flushSubnormal(b2 * v[i] + (1 - b2) * g * g);
      m[i] = mi;
      v[i] = vi;
      const direction = kM * mi + kG * g;
      params[i] = flushSubnormal(w - (lr * direction) / (Math.sqrt(vi / c2) + eps));
    }
  }

  getConfig(): Record<string, number | string> {
    return {
      name: this.name, learning_rate: this.learningRate, beta1: this.beta1, beta2: this.beta2,
      epsilon: this.epsilon, weight_decay: this.weightDecay,
    };
  }
}
