// Plain stochastic gradient descent: w ← w − η·g, with g = ∇L(w) + λ·d·w (coupled L2 weight decay).
// Reference: Robbins & Monro (1951); the form of Goodfellow, Bengio & Courville, Deep Learning, Alg. 8.1.

import { flushSubnormal } from '../ops';
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
    const n = this.beginStep(params, grads, decay);
    const lr = this.learningRate;
    const wd = this.weightDecay;
    if (this.kernels?.momentum(params, grads, decay, null, { lr, gamma: 0, weightDecay: wd })) return;
    for (let i = 0; i < n; i++) {
      const w = params[i];
      const g = grads[i] + wd * decay[i] * w;
      params[i] = flushSubnormal(w - lr * g);
    }
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, weight_decay: this.weightDecay };
  }
}
