// Plain stochastic gradient descent: w ← w − η·g, with g = ∇L(w) + λ·d·w (coupled L2 weight decay).
// Reference: Robbins & Monro (1951); the form of Goodfellow, Bengio & Courville, Deep Learning, Alg. 8.1.

import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

export class SGD extends BaseOptimizer {
  readonly name = 'sgd';
  readonly learningRate: number;
  readonly weightDecay: number;

  /** learning_rate η (default 0.01), weight_decay λ (default 0). */
  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('sgd', config);
    this.learningRate = hyperparameter('sgd', config, 'learning_rate', 0.01, 'positive');
    this.weightDecay = hyperparameter('sgd', config, 'weight_decay', 0, 'nonnegative');
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    this.beginStep(params, grads, decay);
    // The momentum kernel without a velocity: w ← w − η·g.
    this.kernels.momentum(params, grads, decay, null, { lr: this.learningRate, gamma: 0, weightDecay: this.weightDecay });
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, weight_decay: this.weightDecay };
  }
}
