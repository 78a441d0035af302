// The words every part of a sweep shares: a trial's parameters, its states, what a transport is
// handed to run one (a TrialJob) and what comes back (epoch reports, then one TrialResult).
// Nothing here knows how a trial travels (local processes, a Redis queue): see transport.ts.

import type { AssignmentConfig } from '../node/experiments/assignment';

/** One value a sweep parameter can take. */
export type ParamValue = number | string | boolean;

/** The parameters the search chose for one trial, by `train`'s long flag names. */
export type TrialParams = Record<string, ParamValue>;

/**
 * A trial's life: created `running` when handed to a transport, then exactly one of the terminal
 * states. `killed` (the sweep was interrupted: Ctrl-C, kill -9) is the only state a trial leaves
 * again: `--resume` runs it anew (running, attempt + 1), unless its run record shows the run had
 * ended before the interruption was recorded; then it takes that end.
 *
 *   running -> finished | failed | diverged | killed | stopped-early
 *   killed  -> running | finished | failed | diverged | stopped-early
 */
export const TRIAL_STATES = ['running', 'finished', 'failed', 'diverged', 'killed', 'stopped-early'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** One epoch's figures as a trial reports them (EpochLogs with a 1-based epoch). */
export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  grad_norm?: number;
  seconds?: number;
}

/**
 * Everything a worker needs to run one trial, as plain JSON (it crosses process and machine
 * boundaries). config is a complete `train` configuration (the sweep's parameters over train's
 * defaults); data says which data to load, so a worker can keep it in memory between trials.
 */
export interface TrialJob {
  sweepId: string;
  trialId: string;
  /** 1 for a trial's first run, 2 after one rerun on --resume, ... */
  attempt: number;
  config: AssignmentConfig;
  data: TrialDataSpec;
  /** Root folder of the run records (the run lands in <runsRoot>/<project>/<run-name>/). */
  runsRoot: string;
  /** The metric the sweep optimizes (for the result's `value`). */
  metric: string;
}

/** Which data a trial trains on; equal specs share one loaded copy in a worker. */
export interface TrialDataSpec {
  dataset: string;
  dataDir?: string;
  trainLimit?: number;
  testLimit?: number;
  splitSeed: number;
}

/** How a trial ended, as the worker saw it. */
export interface TrialResult {
  state: Exclude<TrialState, 'running' | 'killed'> | 'killed';
  /** The metric's last reported value (undefined when no epoch finished). */
  value?: number;
  /** Per-epoch reports, in order. */
  history: EpochReport[];
  test_loss?: number;
  test_accuracy?: number;
  train_seconds?: number;
  params_count?: number;
  /** The run record's folder. */
  runDir?: string;
  /** Why it failed or diverged. */
  message?: string;
}
