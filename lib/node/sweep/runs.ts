// The sweep's side of the run records: after an interruption, the runs of killed trials still say
// "running" (a kill -9 gives them no chance to write); this finds them by their config's sweep and
// trial ids and records them as killed. A run folder still under its hidden temporary name (the
// worker was killed while creating it) is removed: it holds only the config of a trial that reruns.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs';
import type { SweepState } from '../../sweep/state';

/** Marks every run record of this sweep whose trial is killed and whose status is running. */
export function markInterruptedRuns(state: SweepState): number {
  const dir = join(state.runsRoot, state.project);
  if (!existsSync(dir)) return 0;
  const killed = new Map(state.trials.filter((t) => t.state === 'killed').map((t) => [t.id, t.attempt]));
  let n = 0;
  for (const name of readdirSync(dir)) {
    const statusFile = join(dir, name, 'status.json');
    const configFile = join(dir, name, 'config.json');
    if (!existsSync(statusFile) || !existsSync(configFile)) continue;
    try {
      const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
      if (cfg.sweep !== state.id || killed.get(cfg.trial) !== cfg.attempt) continue;
      if (name.startsWith('.')) {
        rmSync(join(dir, name), { recursive: true, force: true });
        continue;
      }
      const status = JSON.parse(readFileSync(statusFile, 'utf8'));
      if (status.state !== 'running') continue;
      writeFileAtomic(statusFile, JSON.stringify({ state: 'killed', message: 'the sweep was interrupted', time: new Date().toISOString() }, null, 2) + '\n');
      n++;
    } catch {
      // a run folder being written right now, or not a run: leave it
    }
  }
  return n;
}
