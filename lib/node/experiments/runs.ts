// Local run records, the offline replacement for a wandb dashboard: every run gets a folder
// runs/<project>/<run-name>/ holding config.json, metrics.jsonl (one line per epoch, appended as
// the run goes), summary.json (written at the end) and status.json (running, then how it ended).
// No network, no account.

import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochLogs } from '../../model/history';
import { writeFileAtomic } from '../fs';

/** A run's state: running until it ends as one of the others (see lib/sweep/types.ts). */
export type RunStatus = 'running' | 'finished' | 'failed' | 'diverged' | 'killed' | 'stopped-early';

export interface RunRecord {
  dir: string;
  name: string;
  /** Appends one epoch's metrics to metrics.jsonl. */
  logEpoch(epoch: number, logs: EpochLogs): void;
  /** Writes summary.json (atomically). */
  finish(summary: Record<string, unknown>): void;
  /** Writes status.json (atomically): the state, a message for failed/diverged, and the time. */
  status(state: RunStatus, message?: string): void;
}

/** A run name in the assignment solution's style: hl-3_bs-16_act-tanh_opt-adam. */
export function runName(cfg: { num_layers: number; batch_size: number; activation: string; optimizer: string }): string {
  return `hl-${cfg.num_layers}_bs-${cfg.batch_size}_act-${cfg.activation.toLowerCase()}_opt-${cfg.optimizer}`;
}

/**
 * Creates runs/<project>/<name>-<suffix>/ under root with config.json. The suffix (a UTC time stamp,
 * plus a counter if needed) keeps every run's folder unique.
 */
export function createRun(root: string, project: string, name: string, config: Record<string, unknown>): RunRecord {
  if (!/^[\w.-]+$/.test(project)) throw new Error(`project name '${project}' must use only letters, digits, '.', '_' and '-' (it names a folder)`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let dir = join(root, project, `${name}_${stamp}`);
  for (let i = 2; existsSync(dir); i++) dir = join(root, project, `${name}_${stamp}-${i}`);
  mkdirSync(dir, { recursive: true });
  const runId = dir.split(/[\\/]/).pop()!;
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify({ run: runId, ...config }, null, 2) + '\n');
  const status = (state: RunStatus, message?: string) => {
    const body = { state, ...(message === undefined ? {} : { message }), time: new Date().toISOString() };
    writeFileAtomic(join(dir, 'status.json'), JSON.stringify(body, null, 2) + '\n');
  };
  status('running');
  return {
    status,
    dir,
    name: runId,
    logEpoch(epoch, logs) {
      appendFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ epoch: epoch + 1, ...logs }) + '\n');
    },
    finish(summary) {
      writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    },
  };
}
