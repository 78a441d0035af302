// What an agent accepts from the queue: a TrialJob whose every field is checked before anything
// runs. A job is data, never code: its config must be a complete `train` configuration (checked by
// the caller's checkConfig, the same rules as train's flags), its data a known data set with
// integer limits. Anything else (an unknown key, a wrong type, a path) makes the job rejected.
// Where the agent reads data and writes its run copies is the agent's choice, not the job's.

import type { AssignmentConfig } from '../experiments/assignment';
import { DATASETS } from '../experiments/assignment';
import type { TrialDataSpec, TrialJob } from '../../sweep/types';

/** Checks a whole train configuration; throws naming the key on anything wrong. */
export type ConfigCheck = (raw: unknown) => AssignmentConfig;

/** The metrics a trial can be judged by (what each epoch reports). */
const METRIC_NAMES = ['val_accuracy', 'val_loss', 'accuracy', 'loss'];
const ID = /^[\w.-]{1,64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw new Error(`${where} has an unknown key '${k}' (expected ${allowed.join(', ')})`);
}

function int(v: unknown, name: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Checks a job's data as it came off the queue and returns the TrialJob to run, with the agent's own
 * data folder and run-record folder in place of the job's (a controller on another machine has no
 * say over this machine's paths). Throws an Error naming the bad field.
 */
export function parseTrialJob(raw: unknown, checkConfig: ConfigCheck, local: { runsRoot: string; dataDir?: string }): TrialJob {
  if (!isObject(raw)) throw new Error(`a trial job must be an object, got ${JSON.stringify(raw)?.slice(0, 80)}`);
  onlyKeys(raw, ['sweepId', 'trialId', 'attempt', 'config', 'data', 'runsRoot', 'metric'], 'job');
  for (const k of ['sweepId', 'trialId'] as const) {
    if (typeof raw[k] !== 'string' || !ID.test(raw[k] as string)) throw new Error(`job.${k} must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(raw[k])}`);
  }
  const attempt = int(raw.attempt, 'job.attempt', 1);
  if (!METRIC_NAMES.includes(raw.metric as string)) throw new Error(`job.metric must be one of ${METRIC_NAMES.join(', ')}, got ${JSON.stringify(raw.metric)}`);
  if (raw.runsRoot !== undefined && typeof raw.runsRoot !== 'string') throw new Error(`job.runsRoot must be a string, got ${JSON.stringify(raw.runsRoot)}`);
  let config: AssignmentConfig;
  try {
    config = checkConfig(raw.config);
  } catch (err) {
    throw new Error(`job.config: ${(err as Error).message}`);
  }
  const d = raw.data;
  if (!isObject(d)) throw new Error(`job.data must be an object, got ${JSON.stringify(d)}`);
  onlyKeys(d, ['dataset', 'dataDir', 'trainLimit', 'testLimit', 'splitSeed'], 'job.data');
  if (!DATASETS.includes(d.dataset as (typeof DATASETS)[number])) throw new Error(`job.data.dataset must be one of ${DATASETS.join(', ')}, got ${JSON.stringify(d.dataset)}`);
  if (d.dataDir !== undefined && typeof d.dataDir !== 'string') throw new Error(`job.data.dataDir must be a string, got ${JSON.stringify(d.dataDir)}`);
  const data: TrialDataSpec = { dataset: d.dataset as string, splitSeed: int(d.splitSeed, 'job.data.splitSeed', 0) };
  if (d.trainLimit !== undefined) data.trainLimit = int(d.trainLimit, 'job.data.trainLimit', 1);
  if (d.testLimit !== undefined) data.testLimit = int(d.testLimit, 'job.data.testLimit', 1);
  if (local.dataDir !== undefined) data.dataDir = local.dataDir;
  return {
    sweepId: raw.sweepId as string,
    trialId: raw.trialId as string,
    attempt,
    config,
    data,
    runsRoot: local.runsRoot,
    metric: raw.metric as string,
  };
}
