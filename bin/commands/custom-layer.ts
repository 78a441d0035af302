// `scratchnet custom-layer`: the cubic custom layer. Trains a model with the Cubic layer and a plain dense model
// on MNIST digits {0, 2, 5} (lib/node/experiments/custom-layer.ts); writes comparison.png.

import { Command, InvalidArgumentError } from 'commander';
import { DATASET_NAMES } from '../../lib/node/data';
import { DEFAULT_CUSTOM_LAYER_CONFIG, runCustomLayer, type CustomLayerConfig } from '../../lib/node/experiments/custom-layer';
import { choiceArg, commonConfig, commonOptions, floatArg, intArg, Reporter, sharedFlag } from '../cli';
import { barCallbacks } from '../experiment-cli';

export function customLayerCommand(): Command {
  const d = DEFAULT_CUSTOM_LAYER_CONFIG;
  const cmd = new Command('custom-layer')
    .description('the cubic custom layer (Keras project "MNIST Custom Layer Classification"): a model with Cubic (y = x³·V − x·W + b) vs a plain dense model on MNIST digits 0, 2, 5')
    .option('--epochs <n>', 'training epochs (the original: 50)', intArg('--epochs'), d.epochs)
    .option('--batch-size <n>', 'batch size (Keras default 32)', intArg('--batch-size'), d.batchSize)
    .option('--learning-rate <x>', 'SGD learning rate (the original: 0.01)', floatArg('--learning-rate'), d.learningRate)
    .option('--validation-split <f>', 'fraction of the last training images held out (the original: 0.2)', splitArg, d.validationSplit)
    .option('--classes <list>', 'digits to keep, relabelled 0, 1, ... in this order', classesArg, d.classes)
    .option('--dataset <name>', 'mnist (as the original) or fashion_mnist', choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }), d.dataset)
    .addOption(sharedFlag.trainLimit('use the first n training images only, before the class filter (quick runs)'))
    .addOption(sharedFlag.testLimit('use the first n test images only, before the class filter'));
  commonOptions(cmd, { out: d.outDir as string });
  cmd.action(async (opts: Record<string, unknown>) => {
    const reporter = new Reporter(opts.json === true);
    const config: CustomLayerConfig = {
      classes: opts.classes as number[],
      epochs: opts.epochs as number,
      batchSize: opts.batchSize as number,
      learningRate: opts.learningRate as number,
      validationSplit: opts.validationSplit as number,
      ...commonConfig(opts),
    };
    const result = await runCustomLayer(config, {
      log: (line) => reporter.line(line),
      callbacks: (which) => [barCallbacks(which === 'custom' ? 'model A' : 'model B')],
    });
    reporter.line(`wrote ${result.files.join(', ')}`);
    reporter.result(result);
  });
  return cmd;
}

/** A fraction strictly between 0 and 1. */
function splitArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError(`--validation-split must be a number in (0, 1), got '${v}'`);
  return n;
}

/** Comma-separated distinct digits 0..9, at least two: '0,2,5'. */
function classesArg(v: string): number[] {
  const parts = v.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length < 2 || parts.some((p) => !/^\d$/.test(p)) || new Set(nums).size !== nums.length) {
    throw new InvalidArgumentError(`--classes must be two or more distinct digits 0-9 separated by commas, such as 0,2,5; got '${v}'`);
  }
  return nums;
}
