// `scratchnet sweep CONFIG`: a hyperparameter sweep from a wandb-format sweep file, run in local
// worker processes, resumable with --resume <id> after Ctrl-C or kill -9.

import { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { LocalTransport } from '../../lib/node/sweep/local-transport';
import { SweepController, runSweep, type Progress } from '../../lib/sweep/controller';
import type { TrialRecord } from '../../lib/sweep/state';
import { findState, loadState, saveState, statePath } from '../../lib/node/sweep/store';
import { markInterruptedRuns, settledRuns } from '../../lib/node/sweep/runs';
import { newSweep, readSweepFile, trainLine, trialConfig } from '../../lib/node/sweep/sweep';
import type { ParamValue } from '../../lib/sweep/types';
import { parseQueueAddress, PASSWORD_ENV } from '../../lib/node/queue/connection';
import type { TrialTransport } from '../../lib/sweep/transport';
import { addSharedFlags, intArg, Reporter } from '../cli';
import { parseTrainValue, TRAIN_FLAGS } from '../train-flags';

/** The parameters a sweep may set: train's long flags and --seed. */
export const SWEEP_PARAMS = [...TRAIN_FLAGS.map((f) => f.long as string), 'seed'];

/** Checks a parameter value with train's own flag parser (the same words, ranges and errors). */
export function checkTrainValue(name: string, v: ParamValue): ParamValue {
  return parseTrainValue(name, v);
}

export function sweepCommand(): Command {
  const cmd = new Command('sweep')
    .description('run a hyperparameter sweep (wandb sweep file: grid, random or bayes; hyperband) in local worker processes')
    .argument('[config]', 'sweep file, YAML or JSON (e.g. examples/sweeps/assignment.yaml)')
    .option('--count <n>', 'trials to run (default: run_cap, or the whole grid)', intArg('--count'))
    .option('--workers <n>', 'parallel worker processes, one single-threaded trial each (default: the number of cores)', intArg('--workers'))
    .option('--resume <sweep-id>', 'continue an interrupted sweep (its finished trials are kept, interrupted ones rerun)')
    .option('--project <name>', "runs go to <out>/<project>/ (default: the file's project, else train's)")
    .option('--queue <address>', `run the trials on agents (\`scratchnet agent\`) through this Redis instead of local workers: redis://[USER:PASSWORD@]HOST:PORT[/DB] or rediss://… (password also from $${PASSWORD_ENV})`);
  addSharedFlags(cmd, {
    seed: 'seeds the search and every trial (train --seed)', dataDir: true, json: true,
    limits: { train: 'use only the first n training images in every trial (quick sweeps)' },
    out: { default: 'runs', help: 'root folder of the run records and sweep state' },
  });
  return cmd.action((config: string | undefined, opts: Record<string, unknown>) => runSweepCommand(config, opts));
}

async function runSweepCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const reporter = new Reporter(opts.json === true);
  const out = opts.out as string;
  let state;
  if (opts.resume) {
    if (file) throw new Error('give either a sweep file or --resume <sweep-id>, not both');
    state = loadState(findState(out, opts.resume as string));
    if (opts.count !== undefined) state.count = opts.count as number;
  } else {
    if (!file) throw new Error('missing sweep file (or --resume <sweep-id>); try examples/sweeps/assignment.yaml');
    const config = readSweepFile(file, SWEEP_PARAMS, checkTrainValue);
    state = newSweep({
      config, file, count: opts.count as number | undefined, seed: opts.seed as number, runsRoot: out,
      project: opts.project as string | undefined,
      data: { dataDir: opts.dataDir as string | undefined, trainLimit: opts.trainLimit as number | undefined, testLimit: opts.testLimit as number | undefined },
    });
    saveState(state);
  }
  const controller = new SweepController(state, saveState);
  // Trials whose runs had ended keep that end; the others a kill -9 left running become killed (and
  // their run records too); with those a Ctrl-C already marked killed, they run again first.
  const open = state.trials.filter((t) => t.state === 'running' || t.state === 'killed');
  controller.recover(settledRuns(state));
  markInterruptedRuns(state);
  const lost = state.trials.filter((t) => t.state === 'killed');
  const kept = open.filter((t) => t.state !== 'killed');
  const workers = (opts.workers as number | undefined) ?? availableParallelism();
  const where = statePath(state.runsRoot, state.project, state.id);
  const queue = opts.queue === undefined ? undefined : parseQueueAddress(opts.queue as string);
  reporter.line(`sweep ${state.id}  ${state.config.method}, ${state.count} trials, ${queue ? `agents on ${queue.display}` : `${workers} workers`}  (state: ${where})`);
  if (kept.length) reporter.line(`resuming: ${kept.length} trial(s) had ended before the interruption; kept from their run records: ${kept.map((t) => t.id).join(', ')}`);
  if (lost.length) reporter.line(`resuming: ${lost.length} interrupted trial(s) will run again: ${lost.map((t) => t.id).join(', ')}`);

  const metric = state.config.metric.name;
  let transport: TrialTransport;
  if (queue) {
    // Loaded only here: BullMQ and its Redis client take ~0.3 s to load.
    const { QueueTransport } = await import('../../lib/node/queue/queue-transport');
    const qt = new QueueTransport({ address: queue, sweepId: state.id, runsRoot: state.runsRoot, log: (l) => reporter.line(l) });
    await qt.open();
    transport = qt;
  } else {
    transport = new LocalTransport({ workers });
  }
  const tty = process.stderr.isTTY === true && !process.env.CI;
  const line = (p: Progress) => `sweep ${state.id}: ${p.done} done, ${p.running} running, ${p.left} left` +
    (p.best ? `  best ${metric} ${p.best.value.toFixed(4)} (${p.best.id})` : '');
  let interrupted = false;
  const interrupt = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    controller.interrupt();
    markInterruptedRuns(state);
    void transport.close().then(() => {
      process.stderr.write(`\n${signal}: sweep ${state.id} stopped; continue it with: npx scratchnet sweep --resume ${state.id}${out === 'runs' ? '' : ` --out ${out}`}${queue ? ` --queue ${queue.display}` : ''}\n`);
      process.exit(130);
    });
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));
  try {
    await runSweep(controller, transport, {
      progress: (p) => { if (tty) process.stderr.write(`\r\x1b[K${line(p)}`); },
      trialEnd: (t: TrialRecord) => {
        if (tty) process.stderr.write('\r\x1b[K');
        const v = t.value === undefined ? '-' : t.value.toFixed(4);
        const secs = t.result?.train_seconds === undefined ? '' : `  ${t.result.train_seconds.toFixed(1)}s`;
        reporter.line(`${t.id} ${t.state.padEnd(13)} ${metric} ${v}  epochs ${t.history.length}${secs}  ${paramsText(t.params)}${t.result?.message ? `  (${t.result.message})` : ''}`);
        if (!tty) reporter.line(line(controller.progress()));
      },
    });
  } finally {
    if (!interrupted) await transport.close();
  }
  if (interrupted) return;
  if (tty) {
    process.stderr.write('\r\x1b[K');
    reporter.line(line(controller.progress()));
  }
  const best = controller.best();
  if (best) {
    reporter.line(`best: ${best.id}  ${metric} ${best.value!.toFixed(4)}  test_accuracy ${best.result?.test_accuracy?.toFixed(4) ?? '-'}`);
    reporter.line(`reproduce: ${trainLine(trialConfig(best.params, state.base), state.data)}`);
  }
  reporter.line(`report: npx scratchnet report --sweep ${state.id}${out === 'runs' ? '' : ` --runs ${out}`}`);
  reporter.result(state);
}

function paramsText(p: Record<string, ParamValue>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
}
