// `scratchnet train`: the assignment's train.py, flag for flag, offline. Trains, prints one line
// per epoch, evaluates once on the test set, records the run under runs/<project>/.

import { Command } from 'commander';
import { saveModel } from '../../lib/node/model-file';
import { DivergenceError } from '../../lib/model/sequential';
import { buildAssignmentModel, loadAssignmentData, trainAssignment, type AssignmentConfig } from '../../lib/node/experiments/assignment';
import { createRun, runName } from '../../lib/node/experiments/runs';
import { addSharedFlags, progressCallbacks, Reporter, sharedFlag } from '../cli';
import { addTrainFlags, configFromOptions } from '../train-flags';

/** Flags every command that trains a network takes beyond train.py's own. */
export function addRunFlags(cmd: Command): Command {
  return addSharedFlags(cmd, { seed: true, dataDir: true, json: true, limits: true });
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description("the DA6401 assignment's train.py, flag for flag: train a feed-forward network (defaults = the best configuration our search found)");
  addTrainFlags(cmd);
  addRunFlags(cmd)
    .option('--save-model <file>', 'save the trained model to this file')
    .addOption(sharedFlag.out('runs', 'root folder of the run records'))
    .action((opts: Record<string, unknown>) => runTrain(opts));
  return cmd;
}

function runTrain(opts: Record<string, unknown>): void {
  const cfg: AssignmentConfig = configFromOptions(opts);
  const reporter = new Reporter(opts.json === true);
  const data = loadAssignmentData(cfg.dataset, {
    dataDir: opts.dataDir as string | undefined,
    limit: { train: opts.trainLimit as number | undefined, test: opts.testLimit as number | undefined },
    splitSeed: cfg.seed,
  });
  // Built before the run folder exists, so a bad hyperparameter leaves nothing behind.
  const model = buildAssignmentModel(cfg, data.dataset.featureSize, data.dataset.numClasses);
  const run = createRun(opts.out as string, cfg.wandb_project, runName(cfg), { ...cfg });
  reporter.line(`run ${run.name}  (${run.dir})`);
  reporter.line(`${cfg.dataset}: ${data.xTrain.rows} train, ${data.xVal.rows} validation, ${data.xTest.rows} test images`);
  // The run record says how the run ended: diverged or failed (with the message), killed on Ctrl-C.
  const onSignal = (signal: NodeJS.Signals) => {
    run.status('killed', `${signal} during training`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result;
  try {
    result = trainAssignment(cfg, data, [
      progressCallbacks(reporter, cfg.epochs),
      { onEpochEnd: (e, logs) => run.logEpoch(e, logs) },
    ], model);
  } catch (err) {
    run.status(err instanceof DivergenceError ? 'diverged' : 'failed', (err as Error).message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  reporter.line(`parameters ${result.model.countParams()}  train time ${result.trainSeconds.toFixed(1)}s`);
  reporter.line(`test_loss ${result.test.loss.toFixed(4)}  test_accuracy ${result.test.accuracy.toFixed(4)}`);
  if (opts.saveModel) {
    saveModel(result.model, opts.saveModel as string, { config: cfg, classNames: data.dataset.classNames });
    reporter.line(`model saved to ${opts.saveModel}`);
  }
  const h = result.history.history;
  const summary = {
    run: run.name,
    run_dir: run.dir,
    config: cfg,
    params: result.model.countParams(),
    history: h.loss.map((_, i) => ({
      epoch: i + 1, loss: h.loss[i], accuracy: h.accuracy[i], val_loss: h.val_loss[i], val_accuracy: h.val_accuracy[i],
      grad_norm: h.grad_norm[i], seconds: h.seconds[i],
    })),
    test_loss: result.test.loss,
    test_accuracy: result.test.accuracy,
    train_seconds: result.trainSeconds,
  };
  run.finish(summary);
  run.status('finished');
  reporter.result(summary);
}
