// SGD against the NumPy fixture (test/fixtures/optimizers/make_fixture.py): 5 steps, 4 settings.
import { SGD } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, runTrajectory, trajectoriesDiffer } from './harness';

describe('sgd: w ← w − η·g', () => {
  it.each(casesFor('sgd').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new SGD(c.config)), c.steps);
  });

  it('one step by hand: w1 = w0 − η·(∇f(w0) + λ·d·w0)', () => {
    const opt = new SGD({ learning_rate: 0.5, weight_decay: 0.1 });
    const params = Float32Array.of(2, -4);
    opt.step(params, Float32Array.of(1, 1), Float32Array.of(1, 0));
    // kernel: 2 − 0.5·(1 + 0.1·2) = 1.4; bias (d = 0): −4 − 0.5·1 = −4.5
    expect(Array.from(params)).toEqual([Math.fround(1.4), -4.5]);
    expect(opt.t).toBe(1);
  });

  it('a wrong learning rate is caught (the default used in place of the given one)', () => {
    const c = findCase('sgd', { learning_rate: 0.05, weight_decay: 0 });
    expect(trajectoriesDiffer(runTrajectory(new SGD({ learning_rate: 0.01 })), c.steps)).toBe(true);
  });
});
