// The sweep's side of the run records: after an interruption, the runs of killed trials still say
// "running" (a kill -9 gives them no chance to write); this finds them by their config's sweep and
// trial ids and records them as killed. A run folder still under its hidden temporary name (the
// worker was killed while creating it) is removed: it holds only the config of a trial that reruns.
// And the other way round: a run that ended just before the interruption was recorded is found
// here (settledRuns), so --resume keeps its end instead of running the trial twice.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs';
import type { SweepState } from '../../sweep/state';
import { isTerminal } from '../../sweep/trial';
import type { EpochReport, TrialResult } from '../../sweep/types';

/** Every run folder of this sweep (hidden, half-made ones included), with its config.json. */
function* sweepRuns(state: SweepState): Generator<{ dir: string; name: string; cfg: { trial?: string; attempt?: number } }> {
  const root = join(state.runsRoot, state.project);
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const configFile = join(root, name, 'config.json');
    if (!existsSync(configFile) || !existsSync(join(root, name, 'status.json'))) continue;
    try {
      const cfg = JSON.parse(readFileSync(configFile, 'utf8'));
      if (cfg.sweep === state.id) yield { dir: join(root, name), name, cfg };
    } catch {
      // a run folder being written right now, or not a run: leave it
    }
  }
}

/**
 * How the trials that an interruption left running or killed really ended, where their run records
 * say they did: a worker may finish a run (summary.json, then status.json) a moment before the sweep
 * is killed or while it is stopping. SweepController.recover keeps these ends instead of rerunning.
 */
export function settledRuns(state: SweepState): Map<string, TrialResult> {
  const open = new Map(state.trials.filter((t) => t.state === 'running' || t.state === 'killed').map((t) => [t.id, t.attempt]));
  const metric = state.config.metric.name;
  const settled = new Map<string, TrialResult>();
  for (const { dir, name, cfg } of sweepRuns(state)) {
    if (name.startsWith('.') || cfg.trial === undefined || open.get(cfg.trial) !== cfg.attempt) continue;
    try {
      const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { state: TrialResult['state']; message?: string };
      if (!isTerminal(status.state)) continue;
      const metricsFile = join(dir, 'metrics.jsonl');
      const history: EpochReport[] = existsSync(metricsFile)
        ? readFileSync(metricsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochReport)
        : [];
      const summaryFile = join(dir, 'summary.json');
      const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
      if ((status.state === 'finished' || status.state === 'stopped-early') && !summary) continue;
      const last = history[history.length - 1] as unknown as Record<string, number | undefined> | undefined;
      settled.set(cfg.trial, {
        state: status.state, value: last?.[metric], history, runDir: dir,
        ...(summary ? { test_loss: summary.test_loss, test_accuracy: summary.test_accuracy, train_seconds: summary.train_seconds, params_count: summary.params } : {}),
        ...(status.message === undefined ? {} : { message: status.message }),
      });
    } catch {
      // a record being written right now: the trial reruns
    }
  }
  return settled;
}

/** Marks every run record of this sweep whose trial is killed and whose status is running. */
export function markInterruptedRuns(state: SweepState): number {
  const killed = new Map(state.trials.filter((t) => t.state === 'killed').map((t) => [t.id, t.attempt]));
  let n = 0;
  for (const { dir, name, cfg } of sweepRuns(state)) {
    if (cfg.trial === undefined || killed.get(cfg.trial) !== cfg.attempt) continue;
    if (name.startsWith('.')) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const statusFile = join(dir, 'status.json');
    try {
      if (JSON.parse(readFileSync(statusFile, 'utf8')).state !== 'running') continue;
      writeFileAtomic(statusFile, JSON.stringify({ state: 'killed', message: 'the sweep was interrupted', time: new Date().toISOString() }, null, 2) + '\n');
      n++;
    } catch {
      // a run folder being written right now: leave it
    }
  }
  return n;
}
