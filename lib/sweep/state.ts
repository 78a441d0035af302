// A sweep's state as one plain object: the validated config, the seed, and every trial with its
// history. Everything the sweep knows is here, so saving it (lib/node/sweep/store.ts writes it
// atomically after every event) and reading it back is all --resume needs.

import type { AssignmentConfig } from '../node/experiments/assignment';
import type { SweepConfig } from './schema';
import type { EpochReport, TrialDataSpec, TrialParams, TrialResult, TrialState } from './types';

/** One trial as the sweep records it. */
export interface TrialRecord {
  id: string;
  params: TrialParams;
  state: TrialState;
  /** 1, then +1 each time --resume reruns it after a kill. */
  attempt: number;
  /** When the search suggested it (ISO time; the report's "created" axis). */
  created: string;
  started: string;
  ended?: string;
  history: EpochReport[];
  /** The metric's last value (the one the search optimizes). */
  value?: number;
  /** True once hyperband asked it to stop. */
  stopRequested?: boolean;
  result?: Omit<TrialResult, 'history' | 'state' | 'value'>;
}

export interface SweepState {
  version: 1;
  id: string;
  created: string;
  /** The sweep file it came from, and its parsed, validated form. */
  file?: string;
  config: SweepConfig;
  /** How many trials must end (finished, failed, diverged or stopped early); killed ones do not count. */
  count: number;
  /** Seeds the search (each trial's suggestion is a function of it and the trials before). */
  seed: number;
  project: string;
  runsRoot: string;
  data: TrialDataSpec;
  /** train's configuration under the sweep's parameters (its defaults plus fixed flags). */
  base: AssignmentConfig;
  trials: TrialRecord[];
}

/** A fresh sweep id: 8 lowercase letters and digits from a time stamp and the seed. */
export function newSweepId(seed: number, now = Date.now()): string {
  let h = (now ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (now.toString(36).slice(-4) + h.toString(36).padStart(7, '0').slice(-4));
}
