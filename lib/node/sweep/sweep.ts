// Starting and resuming a sweep as a library: read and check a sweep file, make its state, and
// write the `train` line that reproduces a trial. The CLI (bin/commands/sweep.ts) is a thin shell.

import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, type AssignmentConfig } from '../experiments/assignment';
import { gridSize } from '../../sweep/search/grid';
import { parseSweepText, validateSweepConfig, SweepConfigError, type SweepConfig, type ValueCheck } from '../../sweep/schema';
import { newSweepId, type SweepState } from '../../sweep/state';
import type { ParamValue, TrialDataSpec } from '../../sweep/types';

/** Reads and validates a sweep file (YAML or JSON). */
export function readSweepFile(file: string, names: readonly string[], check: ValueCheck): SweepConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read sweep file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return validateSweepConfig(parseSweepText(text, file), names, check);
}

export interface NewSweepOptions {
  config: SweepConfig;
  file?: string;
  /** Trials to run; default run_cap, or the grid's size for grid search. */
  count?: number;
  seed: number;
  runsRoot: string;
  /** Default: the config's project key, else train's default. */
  project?: string;
  data: Omit<TrialDataSpec, 'dataset' | 'splitSeed'>;
  base?: AssignmentConfig;
  id?: string;
}

/** A new sweep's state (not yet saved). Throws when the count is neither given nor implied. */
export function newSweep(o: NewSweepOptions): SweepState {
  const cfg = o.config;
  const grid = cfg.method === 'grid' ? gridSize(cfg.parameters) : Infinity;
  let count = o.count ?? cfg.run_cap ?? (cfg.method === 'grid' ? grid : undefined);
  if (count === undefined) throw new SweepConfigError('run_cap', `a ${cfg.method} search needs a number of trials: give --count N or run_cap in the sweep file`);
  if (cfg.run_cap !== undefined) count = Math.min(count, cfg.run_cap);
  count = Math.min(count, grid);
  const project = o.project ?? cfg.project ?? (o.base ?? DEFAULT_CONFIG).wandb_project;
  const base = { ...(o.base ?? DEFAULT_CONFIG), wandb_project: project, seed: o.seed };
  return {
    version: 1, id: o.id ?? newSweepId(o.seed), created: new Date().toISOString(), file: o.file, config: cfg, count, seed: o.seed,
    project, runsRoot: o.runsRoot, data: { ...o.data, dataset: base.dataset, splitSeed: o.seed }, base, trials: [],
  };
}

/** A trial's full train configuration: the sweep's parameters over a base (train's defaults). */
export function trialConfig(params: Record<string, ParamValue>, base: AssignmentConfig = DEFAULT_CONFIG): AssignmentConfig {
  return { ...base, ...params } as AssignmentConfig;
}

/**
 * The command that reproduces a configuration: `npx scratchnet train` with every flag whose value
 * differs from train's defaults, plus the data limits the sweep ran with.
 */
export function trainLine(cfg: AssignmentConfig, data: Partial<TrialDataSpec> = {}): string {
  const parts = ['npx scratchnet train'];
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'wandb_entity') continue;
    if ((DEFAULT_CONFIG as unknown as Record<string, unknown>)[k] === v) continue;
    parts.push(`--${k} ${/^[\w.+-]+$/.test(String(v)) ? v : JSON.stringify(String(v))}`);
  }
  if (data.dataDir) parts.push(`--data-dir ${data.dataDir}`);
  if (data.trainLimit) parts.push(`--train-limit ${data.trainLimit}`);
  if (data.testLimit) parts.push(`--test-limit ${data.testLimit}`);
  return parts.join(' ');
}
