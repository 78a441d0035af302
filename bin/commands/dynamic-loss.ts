// `scratchnet dynamic-loss`: the dynamical loss of Ruiz-Garcia et al. (ICML 2021). Full-batch gradient descent with oscillating class weights
// next to a cross-entropy baseline (lib/node/experiments/dynamic-loss.ts); writes loss, weights and
// prediction figures.

import { Command, InvalidArgumentError } from 'commander';
import { DATASET_NAMES } from '../../lib/node/data';
import { DEFAULT_DYNAMIC_LOSS_CONFIG, runDynamicLoss, type DynamicLossConfig } from '../../lib/node/experiments/dynamic-loss';
import { SCHEDULE_ALIASES } from '../../lib/losses/class-weight-schedule';
import { choiceArg, commonConfig, commonOptions, floatArg, intArg, ProgressBar, Reporter, sharedFlag } from '../cli';

export function dynamicLossCommand(): Command {
  const d = DEFAULT_DYNAMIC_LOSS_CONFIG;
  const cmd = new Command('dynamic-loss')
    .description('the dynamical loss of Ruiz-Garcia et al. (ICML 2021): full-batch gradient descent with oscillating class weights vs plain cross-entropy')
    .option('--schedule <kind>', 'class-per-step: the emphasised class moves every step and w_max drops 0.001 per step (the Keras implementation\'s loop); class-per-period: one class per period T, w_max fixed (the paper\'s)', choiceArg('--schedule', ['class-per-step', 'class-per-period'] as const, SCHEDULE_ALIASES), d.schedule)
    .option('--steps <n>', 'full-batch gradient steps (the implementation: 1500)', intArg('--steps'), d.steps)
    .option('--period <n>', 'period T of the weight oscillation, in steps', intArg('--period'), d.period)
    .option('--w-max <x>', 'peak raw weight of the emphasised class (≥ 1; the implementation: 1.5)', wMaxArg, d.wMax)
    .option('--flat-end', 'class-per-period schedule: no oscillation during the last period', d.flatEnd)
    .option('--width <n>', 'hidden units (the implementation\'s NN_width)', intArg('--width'), d.width)
    .option('--learning-rate <x>', 'gradient-descent step size', floatArg('--learning-rate'), d.learningRate)
    .option('--dataset <name>', 'mnist (as the implementation) or fashion_mnist', choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }), d.dataset)
    .addOption(sharedFlag.trainLimit('train on the first n training images only (quick runs)'))
    .addOption(sharedFlag.testLimit('test on the first n test images only'))
    .option('--log-every <n>', 'print every n steps', intArg('--log-every'), d.logEvery);
  commonOptions(cmd, { out: d.outDir as string });
  cmd.action(async (opts: Record<string, unknown>) => {
    const reporter = new Reporter(opts.json === true);
    const config: DynamicLossConfig = {
      schedule: opts.schedule as DynamicLossConfig['schedule'],
      steps: opts.steps as number,
      period: opts.period as number,
      wMax: opts.wMax as number,
      flatEnd: opts.flatEnd === true,
      width: opts.width as number,
      learningRate: opts.learningRate as number,
      ...commonConfig(opts),
      logEvery: opts.logEvery as number,
    };
    const bar = new ProgressBar('steps');
    const result = await runDynamicLoss(config, {
      log: (line) => {
        bar.clear();
        reporter.line(line);
      },
      onStep: (s, n) => bar.update(s, n),
    });
    bar.clear();
    reporter.line(`wrote ${result.files.join(', ')}`);
    reporter.result(result);
  });
  return cmd;
}

/** w_max is a weight ratio: any finite number ≥ 1. */
function wMaxArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 1) throw new InvalidArgumentError(`--w-max must be a number ≥ 1, got '${v}'`);
  return n;
}
