// Where a sweep lives between runs: one JSON file, runs/<project>/sweeps/<id>.json, rewritten
// atomically (temp file + rename) after every event, so a kill -9 at any moment leaves either the
// old state or the new one, never half of each. --resume reads it back.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs';
import type { SweepState } from '../../sweep/state';

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
