// The search methods' suggestions: grid's order and end, random's ranges and distributions,
// and the Bayesian search's model (Parzen densities, categorical smoothing) and its gain over
// random search on the synthetic benchmark.

import { Rng } from '../../lib/rng';
import { BENCH_SPACE, trialsToReach } from '../../lib/sweep/benchmark';
import { trialSeed } from '../../lib/sweep/controller';
import type { ParamSpec } from '../../lib/sweep/schema';
import { bayesSearch, categoricalDensity, normalCdf, parzen, splitGoodBad, STARTUP_TRIALS } from '../../lib/sweep/search/bayes';
import { gridSearch, gridSize, gridValues } from '../../lib/sweep/search/grid';
import { randomSearch } from '../../lib/sweep/search/random';
import type { Observation } from '../../lib/sweep/search/method';

const space: Record<string, ParamSpec> = {
  optimizer: { kind: 'categorical', values: ['sgd', 'adam'] },
  num_layers: { kind: 'numeric', distribution: 'int_uniform', min: 1, max: 3, log: false, int: true },
  epochs: { kind: 'constant', value: 2 },
};

describe('grid', () => {
  test('every combination once, last parameter fastest, then null', () => {
    const trials: Observation[] = [];
    const seen = [];
    for (;;) {
      const p = gridSearch.suggest(space, trials, new Rng(0));
      if (!p) break;
      seen.push(p);
      trials.push({ params: p, done: true, score: 0 });
    }
    expect(seen).toEqual([
      { optimizer: 'sgd', num_layers: 1, epochs: 2 }, { optimizer: 'sgd', num_layers: 2, epochs: 2 }, { optimizer: 'sgd', num_layers: 3, epochs: 2 },
      { optimizer: 'adam', num_layers: 1, epochs: 2 }, { optimizer: 'adam', num_layers: 2, epochs: 2 }, { optimizer: 'adam', num_layers: 3, epochs: 2 },
    ]);
    expect(gridSize(space)).toBe(6);
  });
  test('q ranges expand to their multiples', () => {
    expect(gridValues({ kind: 'numeric', distribution: 'q_uniform', min: 0.1, max: 0.5, log: false, int: false, q: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });
});

describe('random', () => {
  test('values stay in range, integers are integers, log-uniform is uniform in ln x', () => {
    const s: Record<string, ParamSpec> = {
      n: { kind: 'numeric', distribution: 'int_uniform', min: 2, max: 5, log: false, int: true },
      lr: { kind: 'numeric', distribution: 'log_uniform_values', min: 1e-4, max: 1, log: true, int: false },
      q: { kind: 'numeric', distribution: 'q_uniform', min: 0, max: 1, log: false, int: false, q: 0.25 },
      c: { kind: 'categorical', values: ['a', 'b'], probabilities: [0.2, 0.8] },
    };
    const draws = Array.from({ length: 4000 }, (_, i) => randomSearch.suggest(s, [], new Rng(trialSeed(7, i)))!);
    expect(new Set(draws.map((d) => d.n))).toEqual(new Set([2, 3, 4, 5]));
    const lr = draws.map((d) => d.lr as number);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1);
    // Uniform in log10: a quarter of the draws in each decade.
    expect(lr.filter((v) => v < 1e-3).length / lr.length).toBeCloseTo(0.25, 1);
    expect(lr.filter((v) => v >= 1e-1).length / lr.length).toBeCloseTo(0.25, 1);
    expect(new Set(draws.map((d) => d.q))).toEqual(new Set([0, 0.25, 0.5, 0.75, 1]));
    expect(draws.filter((d) => d.c === 'b').length / draws.length).toBeCloseTo(0.8, 1);
  });
  test('the same seed suggests the same trial', () => {
    expect(randomSearch.suggest(BENCH_SPACE, [], new Rng(trialSeed(3, 4)))).toEqual(randomSearch.suggest(BENCH_SPACE, [], new Rng(trialSeed(3, 4))));
  });
});

describe('bayes (TPE)', () => {
  test('Φ matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1)).toBeCloseTo(0.841344746, 6);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895, 6);
  });
  test('a Parzen density integrates to 1 over its range and peaks at its observations', () => {
    const p = parzen([0.2, 0.25, 0.8], 0, 1);
    let area = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) area += Math.exp(p.logPdf((i + 0.5) / n)) / n;
    expect(area).toBeCloseTo(1, 3);
    expect(p.logPdf(0.22)).toBeGreaterThan(p.logPdf(0.5));
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const u = p.sample(rng);
      expect(u >= 0 && u <= 1).toBe(true);
    }
  });
  test('categorical densities are smoothed frequencies', () => {
    expect(categoricalDensity([0, 0, 1], 3)).toEqual([3 / 6, 2 / 6, 1 / 6]);
  });
  test('good group: the best ceil(0.1 n) scored trials; running and failed ones are bad', () => {
    const t: Observation[] = Array.from({ length: 20 }, (_, i) => ({ params: { i }, score: i, done: true }));
    t.push({ params: { i: 'running' }, done: false }, { params: { i: 'failed' }, done: true });
    const { good, bad } = splitGoodBad(t);
    expect(good.map((g) => g.params.i)).toEqual([19, 18]);
    expect(bad).toHaveLength(20);
  });
  test('random until the startup trials have ended, then suggestions near the good ones', () => {
    const s: Record<string, ParamSpec> = { x: { kind: 'numeric', distribution: 'uniform', min: 0, max: 1, log: false, int: false } };
    const trials: Observation[] = [];
    for (let i = 0; i < STARTUP_TRIALS - 1; i++) trials.push({ params: { x: (i + 0.5) / STARTUP_TRIALS }, score: -Math.abs((i + 0.5) / STARTUP_TRIALS - 0.85), done: true });
    expect(bayesSearch.suggest(s, trials, new Rng(5))).toEqual(randomSearch.suggest(s, trials, new Rng(5)));
    trials.push({ params: { x: 0.95 }, score: -0.1, done: true });
    const xs = Array.from({ length: 100 }, (_, i) => bayesSearch.suggest(s, trials, new Rng(trialSeed(9, i)))!.x as number);
    // The best trial is at 0.85; most suggestions land near it (10% are drawn from the prior).
    expect(xs.filter((x) => Math.abs(x - 0.85) < 0.15).length).toBeGreaterThan(70);
  });
  test('never repeats a tried point', () => {
    const s: Record<string, ParamSpec> = { o: { kind: 'categorical', values: ['a', 'b', 'c'] }, n: { kind: 'categorical', values: [1, 2, 3] } };
    const trials: Observation[] = [];
    for (let i = 0; i < 9; i++) {
      const p = bayesSearch.suggest(s, trials, new Rng(trialSeed(2, i)))!;
      expect(trials.some((t) => t.params.o === p.o && t.params.n === p.n)).toBe(false);
      trials.push({ params: p, score: p.o === 'b' ? 1 : 0, done: true });
    }
  });
  test('on the synthetic benchmark it needs fewer trials than random search to reach 98% of the optimum (10 seeds)', () => {
    let r = 0, b = 0;
    for (let s = 201; s < 211; s++) {
      r += trialsToReach(randomSearch, s, s, [0.98], 150)[0];
      b += trialsToReach(bayesSearch, s, s, [0.98], 150)[0];
    }
    expect(b).toBeLessThan(0.7 * r);
  });
});
