// NAG (true Nesterov: gradient at the look-ahead point w − γ·u) against the NumPy fixture (make_fixture.py).
import { createOptimizer, NAG } from '../../lib/optimizers';
import { casesFor, expectTrajectory, findCase, gradient, problem, runTrajectory, trajectoriesDiffer } from './harness';

describe('nag: u ← γ·u + η·∇L(w − γ·u); w ← w − u', () => {
  it.each(casesFor('nag').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(new NAG(c.config)), c.steps);
  });

  it("its trajectory differs from momentum's (the look-ahead gradient matters on a non-quadratic f)", () => {
    for (const config of [{ weight_decay: 0 }, { learning_rate: 0.05, momentum: 0.8, weight_decay: 0 }]) {
      const nag = findCase('nag', config).steps;
      const mom = findCase('momentum', config).steps;
      expect(trajectoriesDiffer(nag, mom)).toBe(true);
      expect(trajectoriesDiffer(runTrajectory(new NAG(config)), mom)).toBe(true);
    }
  });

  it('without lookahead() calls (a custom loop) step() is still correct: it degrades to classical momentum', () => {
    for (const c of casesFor('momentum')) {
      expectTrajectory(runTrajectory(new NAG(c.config), problem.steps, false), c.steps);
    }
  });

  it('lookahead() moves params to w − γ·u, step() leaves the true iterate w', () => {
    const opt = new NAG({ learning_rate: 0.05, momentum: 0.8 });
    const params = Float32Array.from(problem.w0);
    const grads = new Float32Array(params.length);
    const decay = Float32Array.from(problem.d);
    opt.lookahead(params); // u = 0 before the first step: no move
    expect(Array.from(params)).toEqual(Array.from(Float32Array.from(problem.w0)));
    opt.step(params, gradient(grads, params), decay);
    const w1 = Array.from(params);
    const u1 = problem.w0.map((w0, i) => w0 - w1[i]); // w1 = w0 − u1
    opt.lookahead(params);
    params.forEach((p, i) => expect(p).toBeCloseTo(w1[i] - 0.8 * u1[i], 6));
    opt.lookahead(params); // idempotent until the next step
    params.forEach((p, i) => expect(p).toBeCloseTo(w1[i] - 0.8 * u1[i], 6));
    opt.step(params, gradient(grads, params), decay);
    const expected = findCase('nag', { learning_rate: 0.05, momentum: 0.8, weight_decay: 0 }).steps[1];
    params.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
  });

  it("is registered as 'nag' and 'nesterov'", () => {
    expect(createOptimizer('nesterov').name).toBe('nag');
    expect(createOptimizer('NAG')).toBeInstanceOf(NAG);
  });
});
