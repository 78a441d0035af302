// Local run records, the offline replacement for a wandb dashboard: every run gets a folder
// runs/<project>/<run-name>/ holding config.json, metrics.jsonl (one line per epoch, appended as
// the run goes), summary.json (written at the end) and status.json (running, then how it ended).
// No network, no account.

import { appendFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
 * Creates runs/<project>/<name>-<suffix>/ under root with config.json and status.json ('running').
 * The suffix (a UTC time stamp, plus a counter if needed) keeps every run's folder unique. The folder
 * is filled under a hidden temporary name and renamed into place, so a run folder never lacks its
 * config or status, even when the process is killed while creating it.
 */
export function createRun(root: string, project: string, name: string, config: Record<string, unknown>): RunRecord {
  if (!/^[\w.-]+$/.test(project)) throw new Error(`project name '${project}' must use only letters, digits, '.', '_' and '-' (it names a folder)`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const parent = join(root, project);
  mkdirSync(parent, { recursive: true });
  const statusBody = (state: RunStatus, message?: string) =>
    JSON.stringify({ state, ...(message === undefined ? {} : { message }), time: new Date().toISOString() }, null, 2) + '\n';
  let dir = '';
  for (let i = 1; !dir; i++) {
    const candidate = join(parent, `${name}_${stamp}${i === 1 ? '' : `-${i}`}`);
    if (existsSync(candidate)) continue;
    const runId = basename(candidate);
    const tmp = mkdtempSync(join(parent, `.${runId}-`));
    writeFileSync(join(tmp, 'config.json'), JSON.stringify({ run: runId, ...config }, null, 2) + '\n');
    writeFileSync(join(tmp, 'status.json'), statusBody('running'));
    try {
      renameSync(tmp, candidate); // fails if another process took the name meanwhile: try the next
      dir = candidate;
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const runId = basename(dir);
  const status = (state: RunStatus, message?: string) => {
    writeFileAtomic(join(dir, 'status.json'), statusBody(state, message));
  };
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
