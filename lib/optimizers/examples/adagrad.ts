// An example of adding an optimizer: Adagrad in one file, registered by name. This is the file docs/library.md
// shows; it is compiled and tested (test/optimizers/example.test.ts) so the example cannot rot.
// In your own project import from 'scratchnet' instead of the relative paths.
//   G ← G + g²;  w ← w − η·g / (√G + ε),  g = ∇L(w) + λ·d·w.
// Reference: Duchi, Hazan & Singer (2011), JMLR 12, diagonal form.

import { registerOptimizer } from '..';
import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from '../optimizer';

export class Adagrad extends BaseOptimizer {
  readonly name = 'adagrad';
  readonly learningRate: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private G = new Float32Array(0); // sum of g², allocated on the first step

  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('adagrad', config); // rejects typos such as `lr`
    this.learningRate = hyperparameter('adagrad', config, 'learning_rate', 0.01, 'positive');
    this.epsilon = hyperparameter('adagrad', config, 'epsilon', 1e-7, 'positive');
    this.weightDecay = hyperparameter('adagrad', config, 'weight_decay', 0, 'nonnegative');
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay); // checks lengths, t += 1
    if (this.G.length !== n) this.G = new Float32Array(n); // first step only
    const G = this.G;
    for (let i = 0; i < n; i++) {
      const w = params[i];
      const g = grads[i] + this.weightDecay * decay[i] * w; // coupled L2, kernels only
      G[i] += g * g;
      params[i] = w - (this.learningRate * g) / (Math.sqrt(G[i]) + this.epsilon);
    }
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, epsilon: this.epsilon, weight_decay: this.weightDecay };
  }
}

registerOptimizer('adagrad', (config) => new Adagrad(config));
