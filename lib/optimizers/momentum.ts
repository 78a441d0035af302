// Momentum (heavy ball) in the course's form (DA6401/CS6910): u ← γ·u + η·g; w ← w − u.
// Reference: Polyak (1964); Sutskever et al. (2013), eq. 1. The velocity u includes η, so changing η
// mid-run rescales only new contributions (PyTorch's form u ← γ·u + g; w ← w − η·u differs then).

import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export class Momentum extends BaseOptimizer {
  readonly name = 'momentum';
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Velocity u (n), allocated on the first step. */
  private u = EMPTY;

  /** learning_rate η (default 0.01), momentum γ (default 0.9), weight_decay λ (default 0). */
  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('momentum', config);
    this.learningRate = hyperparameter('momentum', config, 'learning_rate', 0.01, 'positive');
    this.momentum = hyperparameter('momentum', config, 'momentum', 0.9, 'unit');
    this.weightDecay = hyperparameter('momentum', config, 'weight_decay', 0, 'nonnegative');
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay);
    if (this.u.length !== n) this.u = this.allocSlot(n);
    this.kernels.momentum(params, grads, decay, this.u, { lr: this.learningRate, gamma: this.momentum, weightDecay: this.weightDecay });
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, momentum: this.momentum, weight_decay: this.weightDecay };
  }
}
