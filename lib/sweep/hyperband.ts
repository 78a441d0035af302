// Hyperband early stopping as wandb's sweeps do it (Li et al. 2017, "Hyperband: A Novel
// Bandit-Based Approach to Hyperparameter Optimization", arXiv:1603.06560): at each band (an epoch
// count), a running trial is stopped when it is not in the top 1/eta of every trial that reached
// that band. Kept apart from the search methods: any method can run with it or without it.

import type { Hyperband, SweepConfig } from './schema';
import type { TrialRecord } from './state';

/**
 * The threshold at each band: over every trial's history (all states) with at least `band`
 * epochs, the value at the band, turned so lower is better, sorted; the one at index
 * floor(len/eta). Infinity where no trial reached the band.
 */
export function bandThresholds(trials: readonly TrialRecord[], hb: Hyperband, metric: SweepConfig['metric']): number[] {
  const sign = metric.goal === 'maximize' ? -1 : 1;
  const histories = trials.map((t) => metricHistory(t, metric.name, sign)).filter((h) => h.length > 0);
  return hb.bands.map((band) => {
    const values = histories.filter((h) => h.length >= band).map((h) => h[band - 1]).sort((a, b) => a - b);
    return values.length === 0 ? Infinity : values[Math.floor(values.length / hb.eta)];
  });
}

/**
 * Should this running trial stop now? At the last band its history has reached, its value there
 * (strict) or its best so far (not strict) must not be worse than the band's threshold.
 */
export function earlyStop(trial: TrialRecord, trials: readonly TrialRecord[], hb: Hyperband, metric: SweepConfig['metric']): boolean {
  const sign = metric.goal === 'maximize' ? -1 : 1;
  const h = metricHistory(trial, metric.name, sign);
  const thresholds = bandThresholds(trials, hb, metric);
  let k = -1;
  for (let i = 0; i < hb.bands.length && hb.bands[i] <= h.length; i++) k = i;
  if (k < 0) return false;
  const v = hb.strict ? h[hb.bands[k] - 1] : Math.min(...h);
  return v > thresholds[k];
}

function metricHistory(t: TrialRecord, name: string, sign: number): number[] {
  const out: number[] = [];
  for (const r of t.history) {
    const v = (r as unknown as Record<string, number | undefined>)[name];
    if (v !== undefined && Number.isFinite(v)) out.push(sign * v);
  }
  return out;
}
