// Runs one TrialJob in the current process: the same thing `scratchnet train` does (a run record
// under runs/<project>/ with config, per-epoch metrics, summary and status), plus epoch reports
// and a stop check for hyperband. Any transport's worker calls this; data comes from a per-process
// cache, so a worker loads each data set once however many trials it runs.

import { buildAssignmentModel, loadAssignmentData, type AssignmentData } from '../experiments/assignment';
import { createRun, runName, type RunStatus } from '../experiments/runs';
import { DivergenceError } from '../../model/sequential';
import type { EpochReport, TrialDataSpec, TrialJob, TrialResult } from '../../sweep/types';

const cache = new Map<string, AssignmentData>();

/** The data a spec names, loaded on first use and kept for the life of the process. */
export function trialData(spec: TrialDataSpec): AssignmentData {
  const key = JSON.stringify([spec.dataset, spec.dataDir ?? null, spec.trainLimit ?? null, spec.testLimit ?? null, spec.splitSeed]);
  let d = cache.get(key);
  if (!d) {
    d = loadAssignmentData(spec.dataset, { dataDir: spec.dataDir, limit: { train: spec.trainLimit, test: spec.testLimit }, splitSeed: spec.splitSeed });
    cache.set(key, d);
  }
  return d;
}

export interface TrialHooks {
  /** After each epoch, with its figures. */
  epoch?(report: EpochReport): void;
  /** Checked after each epoch (after `epoch`): true stops the trial there ('stopped-early'). */
  shouldStop?(): boolean;
}

/** Runs the job to its end and returns how it ended; never throws for a trial's own failure. */
export function runTrial(job: TrialJob, hooks: TrialHooks = {}): TrialResult {
  const cfg = job.config;
  const history: EpochReport[] = [];
  const valueOf = () => {
    const last = history[history.length - 1] as unknown as Record<string, number | undefined> | undefined;
    return last?.[job.metric];
  };
  let data: AssignmentData;
  let model;
  try {
    data = trialData(job.data);
    model = buildAssignmentModel(cfg, data.dataset.featureSize, data.dataset.numClasses);
  } catch (err) {
    return { state: 'failed', history, message: (err as Error).message };
  }
  const run = createRun(job.runsRoot, cfg.wandb_project, runName(cfg), { ...cfg, sweep: job.sweepId, trial: job.trialId, attempt: job.attempt });
  const end = (status: RunStatus, extra: Partial<TrialResult> = {}): TrialResult => {
    run.status(status, extra.message);
    return { state: status === 'running' ? 'failed' : status, value: valueOf(), history, runDir: run.dir, ...extra };
  };
  let stopped = false;
  try {
    const t0 = process.hrtime.bigint();
    model.fit(data.xTrain, data.yTrain, {
      epochs: cfg.epochs, batchSize: cfg.batch_size, validationData: [data.xVal, data.yVal], seed: cfg.seed,
      callbacks: [{
        onEpochEnd: (e, logs) => {
          run.logEpoch(e, logs);
          const report: EpochReport = { epoch: e + 1, ...logs };
          history.push(report);
          hooks.epoch?.(report);
          if (e + 1 < cfg.epochs && hooks.shouldStop?.()) {
            stopped = true;
            model.stopTraining = true;
          }
        },
      }],
    });
    const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const test = model.evaluate(data.xTest, data.yTest);
    const summary = {
      run: run.name, run_dir: run.dir, config: cfg, sweep: job.sweepId, trial: job.trialId, params: model.countParams(),
      history, test_loss: test.loss, test_accuracy: test.accuracy, train_seconds: trainSeconds,
    };
    run.finish(summary);
    return end(stopped ? 'stopped-early' : 'finished', {
      test_loss: test.loss, test_accuracy: test.accuracy, train_seconds: trainSeconds, params_count: model.countParams(),
    });
  } catch (err) {
    return end(err instanceof DivergenceError ? 'diverged' : 'failed', { message: (err as Error).message });
  } finally {
    model.dispose();
  }
}
