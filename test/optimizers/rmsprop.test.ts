// RMSprop (ε outside the root, as PyTorch/Keras) against the NumPy fixture (make_fixture.py).
import { BaseOptimizer, RMSprop } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, runTrajectory, trajectoriesDiffer } from './harness';

/** Deliberately wrong: ε inside the root, √(v + ε), as the course writes it. */
class RMSpropEpsInside extends BaseOptimizer {
  readonly name = 'rmsprop-eps-inside';
  private v = new Float32Array(0);
  constructor(private lr: number, private beta: number, private eps: number) { super(); }
  step(p: Float32Array, g: Readonly<Float32Array>, d: Readonly<Float32Array>): void {
    const n = this.beginStep(p, g, d);
    if (this.v.length !== n) this.v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.v[i] = this.beta * this.v[i] + (1 - this.beta) * g[i] * g[i];
      p[i] -= (this.lr * g[i]) / Math.sqrt(this.v[i] + this.eps);
    }
  }
  getConfig() { return {}; }
}

describe('rmsprop: v ← β·v + (1−β)·g²; w ← w − η·g/(√v + ε)', () => {
  it.each(casesFor('rmsprop').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new RMSprop(c.config)), c.steps);
  });

  it('where ε sits is visible: ε inside the root does not match (param 3 has a tiny gradient)', () => {
    const c = findCase('rmsprop', { learning_rate: 0.05, beta: 0.85, epsilon: 1e-6, weight_decay: 0 });
    expect(trajectoriesDiffer(runTrajectory(new RMSpropEpsInside(0.05, 0.85, 1e-6)), c.steps)).toBe(true);
  });
});
