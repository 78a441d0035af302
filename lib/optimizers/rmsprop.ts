// RMSprop: v ← β·v + (1−β)·g²;  w ← w − η·g / (√v + ε).
// Reference: Tieleman & Hinton (2012), Coursera lecture 6.5. ε sits outside the root as in PyTorch and
// Keras; the course writes √(v + ε), which differs only while v is comparable to ε.

import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export class RMSprop extends BaseOptimizer {
  readonly name = 'rmsprop';
  readonly learningRate: number;
  readonly beta: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Running mean of g², v (n), allocated on the first step. */
  private v = EMPTY;

  /** learning_rate η (default 0.001), beta β (default 0.9), epsilon ε (default 1e-8), weight_decay λ (default 0). */
  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('rmsprop', config);
    this.learningRate = hyperparameter('rmsprop', config, 'learning_rate', 0.001, 'positive');
    this.beta = hyperparameter('rmsprop', config, 'beta', 0.9, 'unit');
    this.epsilon = hyperparameter('rmsprop', config, 'epsilon', 1e-8, 'positive');
    this.weightDecay = hyperparameter('rmsprop', config, 'weight_decay', 0, 'nonnegative');
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay);
    if (this.v.length !== n) this.v = this.allocSlot(n);
    this.kernels.rmsprop(params, grads, decay, this.v, { lr: this.learningRate, beta: this.beta, epsilon: this.epsilon, weightDecay: this.weightDecay });
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, beta: this.beta, epsilon: this.epsilon, weight_decay: this.weightDecay };
  }
}
