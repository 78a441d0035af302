// Where a sweep lives between runs: one JSON file, runs/<project>/sweeps/<id>.json, rewritten
// atomically (temp file + rename) after every event, so a kill -9 at any moment leaves either the
// old state or the new one, never half of each. --resume reads it back.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssignmentConfig } from '../experiments/assignment';
import { writeFileAtomic } from '../util/fs';
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

/** The state file of a sweep. */
export function statePath(runsRoot: string, project: string, id: string): string {
  return join(runsRoot, project, 'sweeps', `${id}.json`);
}

export function saveState(state: SweepState): void {
  writeFileAtomic(statePath(state.runsRoot, state.project, state.id), JSON.stringify(state, null, 1) + '\n');
}

/** Finds a sweep's state file under any project of runsRoot; throws naming where it looked. */
export function findState(runsRoot: string, id: string): string {
  if (!/^[\w.-]+$/.test(id)) throw new Error(`sweep id '${id}' must use only letters, digits, '.', '_' and '-'`);
  const projects = existsSync(runsRoot) ? readdirSync(runsRoot) : [];
  for (const p of projects) {
    const f = statePath(runsRoot, p, id);
    if (existsSync(f)) return f;
  }
  throw new Error(`no sweep '${id}' under ${runsRoot}/*/sweeps/ (list them with: ls ${runsRoot}/*/sweeps)`);
}

export function loadState(file: string): SweepState {
  const s = JSON.parse(readFileSync(file, 'utf8')) as SweepState;
  if (s.version !== 1 || !Array.isArray(s.trials)) throw new Error(`${file} is not a scratchnet sweep state (version 1)`);
  return s;
}

/** Lists every sweep state file of a project (or of all projects). */
export function listStates(runsRoot: string, project?: string): string[] {
  const projects = project ? [project] : existsSync(runsRoot) ? readdirSync(runsRoot) : [];
  const out: string[] = [];
  for (const p of projects) {
    const dir = join(runsRoot, p, 'sweeps');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) out.push(join(dir, f));
  }
  return out;
}

/** A fresh sweep id: 8 lowercase letters and digits from a time stamp and the seed. */
export function newSweepId(seed: number, now = Date.now()): string {
  let h = (now ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (now.toString(36).slice(-4) + h.toString(36).padStart(7, '0').slice(-4));
}
