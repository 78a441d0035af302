// Hyperband as wandb's sweeps decide it: the example of wandb's hyperband_stop_runs docstring
// (bands from max_iter 5, s 2, eta 2), and the difference between strict and not.

import { bandThresholds, earlyStop } from '../../lib/sweep/hyperband';
import type { Hyperband } from '../../lib/sweep/schema';
import type { TrialRecord } from '../../lib/sweep/state';

const trial = (id: string, state: TrialRecord['state'], losses: number[]): TrialRecord => ({
  id, state, params: {}, attempt: 1, created: '', started: '', history: losses.map((loss, i) => ({ epoch: i + 1, loss, accuracy: 0 })),
});
const metric = { name: 'loss' as const, goal: 'minimize' as const };

test("wandb's example: with bands [1, 2] and eta 2 only run b is stopped", () => {
  const hb: Hyperband = { type: 'hyperband', bands: [1, 2], eta: 2, strict: true };
  const runs = [
    trial('a', 'finished', [10, 9]),
    trial('b', 'running', [10, 10]),
    trial('c', 'running', [10, 8, 8]),
    trial('d', 'running', [10, 7, 7]),
    trial('e', 'finished', [10, 6, 6]),
  ];
  // Band 1: all 10 → threshold 10. Band 2: [6, 7, 8, 9, 10][floor(5/2)] = 8.
  expect(bandThresholds(runs, hb, metric)).toEqual([10, 8]);
  expect(runs.filter((r) => r.state === 'running' && earlyStop(r, runs, hb, metric)).map((r) => r.id)).toEqual(['b']);
});

test('strict judges the value at the band; otherwise the best value so far', () => {
  const others = [trial('a', 'finished', [5, 1]), trial('b', 'finished', [5, 2]), trial('c', 'finished', [5, 3])];
  const t = trial('t', 'running', [0.5, 4]); // great at epoch 1, poor at band 2
  const all = [...others, t];
  const hb: Hyperband = { type: 'hyperband', bands: [2], eta: 2, strict: true };
  expect(earlyStop(t, all, hb, metric)).toBe(true);
  expect(earlyStop(t, all, { ...hb, strict: false }, metric)).toBe(false);
});

test('maximize turns the comparison around; no band reached means no stop', () => {
  const acc = { name: 'val_accuracy' as const, goal: 'maximize' as const };
  const mk = (id: string, v: number[]) => ({ ...trial(id, 'running', v), history: v.map((val_accuracy, i) => ({ epoch: i + 1, loss: 0, accuracy: 0, val_accuracy })) });
  const runs = [mk('a', [0.9]), mk('b', [0.8]), mk('c', [0.1])];
  const hb: Hyperband = { type: 'hyperband', bands: [1, 3], eta: 3, strict: true };
  // threshold at band 1: sorted negated [-0.9, -0.8, -0.1][1] = -0.8: c is below it.
  expect(runs.map((r) => earlyStop(r, runs, hb, acc))).toEqual([false, false, true]);
  expect(earlyStop(mk('d', []), runs, hb, acc)).toBe(false);
});
