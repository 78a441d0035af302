// `scratchnet dynamic-loss`: seed 001. Full-batch gradient descent with oscillating class weights
// next to a cross-entropy baseline (lib/node/experiments/dynamic-loss.ts); writes loss, weights and
// prediction figures.

import { Command, InvalidArgumentError } from 'commander';
import { DATASET_NAMES } from '../../lib/node/data';
import { DEFAULT_DYNAMIC_LOSS_CONFIG, runDynamicLoss, type DynamicLossConfig } from '../../lib/node/experiments/dynamic-loss';
import { choiceArg, commonConfig, commonOptions, floatArg, intArg, ProgressBar, Reporter } from '../cli';

export function dynamicLossCommand(): Command {
  const d = DEFAULT_DYNAMIC_LOSS_CONFIG;
  const cmd = new Command('dynamic-loss')
    .description('seed 001: full-batch gradient descent with a dynamical (oscillating class-weighted) loss vs plain cross-entropy')
    .option('--schedule <kind>', "seed: the seed's loop (class = step mod 10, w_max − 0.001 per step); paper: one period per class", choiceArg('--schedule', ['seed', 'paper'] as const), d.schedule)
    .option('--steps <n>', 'full-batch gradient steps (the seed: 1500)', intArg('--steps'), d.steps)
    .option('--period <n>', 'period T of the weight oscillation, in steps', intArg('--period'), d.period)
    .option('--w-max <x>', 'peak raw weight of the emphasised class (≥ 1; the seed: 1.5)', wMaxArg, d.wMax)
    .option('--flat-end', 'paper schedule: no oscillation during the last period', d.flatEnd)
    .option('--width <n>', 'hidden units (the seed\'s NN_width)', intArg('--width'), d.width)
    .option('--learning-rate <x>', 'gradient-descent step size', floatArg('--learning-rate'), d.learningRate)
    .option('--dataset <name>', 'mnist (the seed) or fashion_mnist', choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }), d.dataset)
    .option('--train-limit <n>', 'train on the first n training images only (quick runs)', intArg('--train-limit'))
    .option('--test-limit <n>', 'test on the first n test images only', intArg('--test-limit'))
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
