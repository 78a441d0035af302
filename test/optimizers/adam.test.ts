// Adam (Kingma & Ba 2015, Alg. 1) against the NumPy fixture (make_fixture.py).
import { Adam, BaseOptimizer } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, runTrajectory, trajectoriesDiffer } from './harness';

/** Deliberately wrong Adam: bias correction either missing or multiplied instead of divided (convnetjs's bug). */
class WrongAdam extends BaseOptimizer {
  readonly name = 'wrong-adam';
  private m = new Float32Array(0);
  private v = new Float32Array(0);
  constructor(private mode: 'none' | 'multiply') { super(); }
  step(p: Float32Array, g: Readonly<Float32Array>, d: Readonly<Float32Array>): void {
    const n = this.beginStep(p, g, d);
    if (this.m.length !== n) { this.m = new Float32Array(n); this.v = new Float32Array(n); }
    const c1 = this.mode === 'none' ? 1 : 1 / (1 - 0.9 ** this.t);
    const c2 = this.mode === 'none' ? 1 : 1 / (1 - 0.999 ** this.t);
    for (let i = 0; i < n; i++) {
      this.m[i] = 0.9 * this.m[i] + 0.1 * g[i];
      this.v[i] = 0.999 * this.v[i] + 0.001 * g[i] * g[i];
      p[i] -= (0.001 * this.m[i] / c1) / (Math.sqrt(this.v[i] / c2) + 1e-8);
    }
  }
  getConfig() { return {}; }
}

describe('adam: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), w ← w − η·m̂/(√v̂ + ε)', () => {
  it.each(casesFor('adam').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new Adam(c.config)), c.steps);
  });

  it('the fixture does NOT match an Adam without bias correction, nor one that multiplies by it', () => {
    const c = findCase('adam', { weight_decay: 0 });
    expect(trajectoriesDiffer(runTrajectory(new WrongAdam('none')), c.steps)).toBe(true);
    expect(trajectoriesDiffer(runTrajectory(new WrongAdam('multiply')), c.steps)).toBe(true);
  });

  it('first step is a signed step of size η (m̂/√v̂ = g/|g| at t = 1)', () => {
    const opt = new Adam({ learning_rate: 0.1 });
    const params = Float32Array.of(1, 1, 1);
    opt.step(params, Float32Array.of(3, -0.5, 100), Float32Array.of(1, 1, 1));
    params.forEach((p, i) => expect(p).toBeCloseTo([0.9, 1.1, 0.9][i], 6));
  });
});
