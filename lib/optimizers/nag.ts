// Nesterov accelerated gradient, the true form with the gradient taken at the look-ahead point:
//   u ← γ·u + η·∇L(w − γ·u);  w ← w − u.
// Reference: Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013), eq. 2; the course (DA6401/CS6910).
//
// The gradient must be evaluated at w − γ·u, which only the training loop can do (it runs the forward and
// backward passes). So the loop calls lookahead(params) before the forward pass: params ← w − γ·u_old.
// Then step() finishes from there: u_new = γ·u_old + η·g, and since w = params + γ·u_old,
// params ← params + γ·u_old − u_new. After step() params hold the true iterate w, so evaluation and
// prediction between steps use w. No copy of w is kept: u_old is enough to walk back.
// step() without a preceding lookahead() (a user's own loop) is still correct, it evaluates g at w and so
// degrades to classical momentum.

import { BaseOptimizer, checkConfigKeys, hyperparameter, type OptimizerConfig } from './optimizer';

const EMPTY: Float32Array = new Float32Array(0);

export class NAG extends BaseOptimizer {
  readonly name = 'nag';
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Velocity u (n), allocated on the first look-ahead or step. */
  private u = EMPTY;
  /** True between lookahead() and step(): params then hold w − γ·u, not w. */
  private lookedAhead = false;

  /** learning_rate η (default 0.01), momentum γ (default 0.9), weight_decay λ (default 0). */
  constructor(config: OptimizerConfig = {}) {
    super();
    checkConfigKeys('nag', config);
    this.learningRate = hyperparameter('nag', config, 'learning_rate', 0.01, 'positive');
    this.momentum = hyperparameter('nag', config, 'momentum', 0.9, 'unit');
    this.weightDecay = hyperparameter('nag', config, 'weight_decay', 0, 'nonnegative');
  }

  /** params ← w − γ·u. Idempotent until the next step(): a second call does not move params again. */
  lookahead(params: Float32Array): void {
    const n = this.checkSize(params);
    if (this.lookedAhead) return;
    if (this.u.length !== n) this.u = this.allocSlot(n);
    this.lookedAhead = true;
    this.kernels.axpy(params, this.u, -this.momentum);
  }

  step(params: Float32Array, grads: Readonly<Float32Array>, decay: Readonly<Float32Array>): void {
    const n = this.beginStep(params, grads, decay);
    if (this.u.length !== n) this.u = this.allocSlot(n);
    // With a look-ahead, params = w − γ·u_old, so w − u_new = params + γ·u_old − u_new.
    // Without one, params = w and the update is classical momentum. The decay term λ·d·params is part
    // of the gradient at the look-ahead point.
    const back = this.lookedAhead ? this.momentum : 0;
    this.lookedAhead = false;
    this.kernels.momentum(params, grads, decay, this.u, { lr: this.learningRate, gamma: this.momentum, weightDecay: this.weightDecay, back });
  }

  getConfig(): Record<string, number | string> {
    return { name: this.name, learning_rate: this.learningRate, momentum: this.momentum, weight_decay: this.weightDecay };
  }
}
