// A fixed benchmark for search methods: a family of synthetic objectives over a mixed space (a
// categorical, an integer, a log-scaled and a linear parameter), one per seed, each with its best
// value 1 at a seed-chosen point. Searching it needs no training, so many seeds are cheap:
// `trialsToReach` counts how many trials a method needs before its best score reaches a fraction
// of the optimum. scripts/sweep-benchmark.ts prints the docs' bayes-vs-random table from it.

import { Rng } from '../rng';
import { trialSeed } from './controller';
import type { ParamSpec } from './schema';
import type { Observation, SearchMethod } from './search/method';
import type { TrialParams } from './types';

export const BENCH_SPACE: Record<string, ParamSpec> = {
  optimizer: { kind: 'categorical', values: ['sgd', 'momentum', 'nag', 'rmsprop', 'adam', 'nadam'] },
  num_layers: { kind: 'numeric', distribution: 'int_uniform', min: 1, max: 8, log: false, int: true },
  learning_rate: { kind: 'numeric', distribution: 'log_uniform_values', min: 1e-5, max: 1, log: true, int: false },
  momentum: { kind: 'numeric', distribution: 'uniform', min: 0, max: 1, log: false, int: false },
};

/**
 * Objective number `seed`: 1 at its optimum, lower elsewhere. Each optimizer has a cost in [0, 0.3]
 * (0 for the best one) and its own best learning rate; depth and momentum have quadratic costs:
 *   f = 1 − cost[o] − 0.3·((log10 lr − log10 lr*[o]) / 2)² − 0.15·((n − n*) / 7)² − 0.1·(m − m*)²
 */
export function benchObjective(seed: number): (p: TrialParams) => number {
  const rng = new Rng(seed * 7919 + 17);
  const opts = (BENCH_SPACE.optimizer as { values: string[] }).values;
  const best = rng.int(opts.length);
  const cost = opts.map((_, i) => (i === best ? 0 : 0.05 + 0.25 * rng.uniform()));
  const lrStar = opts.map(() => -4 + 3 * rng.uniform()); // log10 of each optimizer's best rate
  const nStar = 1 + rng.int(8);
  const mStar = rng.uniform();
  return (p) => {
    const o = opts.indexOf(p.optimizer as string);
    const dl = (Math.log10(p.learning_rate as number) - lrStar[o]) / 2;
    const dn = ((p.num_layers as number) - nStar) / 7;
    const dm = (p.momentum as number) - mStar;
    return 1 - cost[o] - 0.3 * dl * dl - 0.15 * dn * dn - 0.1 * dm * dm;
  };
}

/**
 * Runs `method` for up to `budget` sequential trials on objective `objSeed` (search seeded by
 * `searchSeed`) and returns, for each fraction, the number of trials after which the best score
 * first reached it (budget + 1 when it never did).
 */
export function trialsToReach(method: SearchMethod, objSeed: number, searchSeed: number, fractions: readonly number[], budget: number): number[] {
  const f = benchObjective(objSeed);
  const trials: Observation[] = [];
  const out = fractions.map(() => budget + 1);
  let best = -Infinity;
  for (let i = 0; i < budget; i++) {
    const params = method.suggest(BENCH_SPACE, trials, new Rng(trialSeed(searchSeed, i)))!;
    const score = f(params);
    trials.push({ params, score, done: true });
    best = Math.max(best, score);
    fractions.forEach((q, k) => { if (best >= q && out[k] > budget) out[k] = i + 1; });
    if (out.every((v) => v <= budget)) break;
  }
  return out;
}
