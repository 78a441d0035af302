// Momentum (course form u ← γ·u + η·g; w ← w − u) against the NumPy fixture (make_fixture.py).
import { BaseOptimizer, Momentum } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, runTrajectory, trajectoriesDiffer } from './harness';

/** Deliberately wrong: PyTorch's dampened form u ← γ·u + (1−γ)·g; w ← w − η·u, a common confusion. */
class DampenedMomentum extends BaseOptimizer {
  readonly name = 'dampened';
  private u = new Float32Array(0);
  constructor(private lr: number, private mu: number) { super(); }
  step(p: Float32Array, g: Readonly<Float32Array>, d: Readonly<Float32Array>): void {
    const n = this.beginStep(p, g, d);
    if (this.u.length !== n) this.u = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.u[i] = this.mu * this.u[i] + (1 - this.mu) * g[i];
      p[i] -= this.lr * this.u[i];
    }
  }
  getConfig() { return {}; }
}

describe('momentum: u ← γ·u + η·g; w ← w − u', () => {
  it.each(casesFor('momentum').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new Momentum(c.config)), c.steps);
  });

  it('differs from plain SGD after the first step (the velocity carries over)', () => {
    const mom = findCase('momentum', { weight_decay: 0 }).steps;
    const sgd = findCase('sgd', { weight_decay: 0 }).steps;
    expect(trajectoriesDiffer([mom[0]], [sgd[0]])).toBe(false); // u starts at 0: step 1 is an SGD step
    expect(trajectoriesDiffer(mom.slice(1), sgd.slice(1))).toBe(true);
  });

  it('a wrong formula (dampened velocity) is caught', () => {
    const c = findCase('momentum', { learning_rate: 0.05, momentum: 0.8, weight_decay: 0 });
    expect(trajectoriesDiffer(runTrajectory(new DampenedMomentum(0.05, 0.8)), c.steps)).toBe(true);
  });
});
