// What Adam and Nadam share: their hyperparameters, the moment slots m and v, the step counter's bias
// corrections and the backend call. Each rule keeps its own file (adam.ts, nadam.ts) and says there, in
// direction(), how it weighs the first moment m and the current gradient g in its step:
//   w ← w − η·(kM·m + kG·g) / (√v̂ + ε),   v̂ = v/(1 − β2^t).

import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export abstract class AdaptiveMoments extends BaseOptimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** First and second moments m, v (n each), allocated on the first step. */
  private m = EMPTY;
  private v = EMPTY;

  /** learning_rate η (0.001), beta1 (0.9), beta2 (0.999), epsilon ε (1e-8), weight_decay λ (0). */
  constructor(name: string, config: OptimizerConfig) {
    super();
    checkConfigKeys(name, config);
    this.learningRate = hyperparameter(name, config, 'learning_rate', 0.001, 'positive');
    this.beta1 = hyperparameter(name, config, 'beta1', 0.9, 'unit');
    this.beta2 = hyperparameter(name, config, 'beta2', 0.999, 'unit');
    this.epsilon = hyperparameter(name, config, 'epsilon', 1e-8, 'positive');
    this.weightDecay = hyperparameter(name, config, 'weight_decay', 0, 'nonnegative');
  }

  /** The weights of m and of g in the step at t (c1 = 1 − β1^t, the first moment's bias correction). */
  protected abstract direction(c1: number): { kM: number; kG: number };

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay);
    if (this.m.length !== n) {
      this.m = this.allocSlot(n);
      this.v = this.allocSlot(n);
    }
    // Bias corrections, once per step: divide (not multiply) by 1 − β^t.
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    const { kM, kG } = this.direction(c1);
    this.kernels.adam(params, grads, decay, this.m, this.v, {
      lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay,
      c2, mScale: kM, gScale: kG,
    });
  }

  getConfig(): Record<string, number | string> {
    return {
      name: this.name, learning_rate: this.learningRate, beta1: this.beta1, beta2: this.beta2,
      epsilon: this.epsilon, weight_decay: this.weightDecay,
    };
  }
}
