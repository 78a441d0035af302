// Nadam (Dozat 2016 without the momentum schedule, the course's form) against the NumPy fixture (make_fixture.py).
import { Adam, Nadam } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, runTrajectory, trajectoriesDiffer } from './harness';

describe('nadam: w ← w − η/(√v̂ + ε)·(β1·m̂ + (1−β1)·g/(1−β1^t))', () => {
  it.each(casesFor('nadam').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new Nadam(c.config)), c.steps);
  });

  it("its trajectory differs from Adam's (the fixture tells them apart)", () => {
    for (const config of [{ weight_decay: 0 }, { learning_rate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weight_decay: 0 }]) {
      const nadam = findCase('nadam', config).steps;
      expect(trajectoriesDiffer(findCase('adam', config).steps, nadam)).toBe(true);
      expect(trajectoriesDiffer(runTrajectory(new Adam(config)), nadam)).toBe(true);
    }
  });
});
