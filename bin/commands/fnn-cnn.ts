// `scratchnet fnn-cnn`: the FNN/CNN study. Trains a fully connected and a convolutional network on
// the same images (lib/experiments/fnn-cnn.ts) and compares them; writes comparison.png and results.md.

import { Command, InvalidArgumentError } from 'commander';
import { WEIGHT_DECAY_ON, type WeightDecayOn } from '../../lib/layers/layer';
import { DATASET_NAMES } from '../../lib/node/data';
import { FNN_CNN_VARIANTS, fnnCnnDefaults, runFnnCnn, type FnnCnnConfig, type FnnCnnModelName, type FnnCnnVariant } from '../../lib/node/experiments/fnn-cnn';
import { choiceArg, commonConfig, commonOptions, floatArg, intArg, Reporter, sharedFlag } from '../cli';
import { barCallbacks } from '../experiment-cli';

export function fnnCnnCommand(): Command {
  const cmd = new Command('fnn-cnn')
    .description('the FNN/CNN study: a fully connected network vs a small CNN (conv, batch norm, pooling, dropout) on MNIST')
    .option('--variant <name>', "pytorch (the study's PyTorch models: batch norm, dropout, 10 epochs) or keras (its Keras original, 5 epochs)", choiceArg('--variant', FNN_CNN_VARIANTS), 'pytorch')
    .option('--model <which>', 'fnn, cnn or both', choiceArg('--model', ['fnn', 'cnn', 'both'] as const), 'both')
    .option('--epochs <n>', 'training epochs (default: pytorch 10, keras 5)', intArg('--epochs'))
    .option('--batch-size <n>', 'batch size (default 128)', intArg('--batch-size'))
    .option('--learning-rate <x>', 'SGD learning rate (default 0.1)', floatArg('--learning-rate'))
    .option('--weight-decay <x>', 'SGD L2 weight decay (default: pytorch 1e-4, keras 0)', floatArg('--weight-decay', 'nonnegative'))
    .option('--weight-decay-on <which>', "all (every parameter, as PyTorch's SGD) or kernels (biases and batch norm's γ, β exempt, as Keras) (default: pytorch all, keras kernels)", choiceArg('--weight-decay-on', WEIGHT_DECAY_ON))
    .option('--validation-split <f>', 'fraction of the last training images held out; 0 validates on the test images (default: pytorch 0, keras 0.1)', splitArg)
    .option('--dataset <name>', 'mnist (the study) or fashion_mnist', choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }), 'mnist')
    .addOption(sharedFlag.trainLimit())
    .addOption(sharedFlag.testLimit())
    .option('--save-model <dir>', 'save each trained model as <dir>/fnn.scratchnet and <dir>/cnn.scratchnet (predict and confusion read them)');
  commonOptions(cmd, { out: 'runs/fnn-cnn' });
  cmd.action(async (opts: Record<string, unknown>) => {
    const reporter = new Reporter(opts.json === true);
    const variant = opts.variant as FnnCnnVariant;
    const d = fnnCnnDefaults(variant);
    const which = opts.model as 'fnn' | 'cnn' | 'both';
    const config: FnnCnnConfig = {
      ...d,
      models: which === 'both' ? ['fnn', 'cnn'] : [which as FnnCnnModelName],
      epochs: (opts.epochs as number | undefined) ?? d.epochs,
      batchSize: (opts.batchSize as number | undefined) ?? d.batchSize,
      learningRate: (opts.learningRate as number | undefined) ?? d.learningRate,
      weightDecay: (opts.weightDecay as number | undefined) ?? d.weightDecay,
      weightDecayOn: (opts.weightDecayOn as WeightDecayOn | undefined) ?? d.weightDecayOn,
      validationSplit: (opts.validationSplit as number | undefined) ?? d.validationSplit,
      ...commonConfig(opts),
      ...(opts.saveModel ? { saveModel: opts.saveModel as string } : {}),
    };
    const result = await runFnnCnn(config, {
      log: (line) => reporter.line(line),
      callbacks: (m) => [barCallbacks(m.toUpperCase())],
    });
    reporter.line('');
    reporter.line(result.runs.map((r) => `${r.model.toUpperCase()}: test accuracy ${(100 * r.test_accuracy).toFixed(2)}%`).join('   '));
    if (result.files.length > 0) reporter.line(`wrote ${result.files.join(', ')}`);
    reporter.result({ ...result, runs: result.runs.map(({ summary: _s, ...r }) => r) });
  });
  return cmd;
}

/** A fraction in [0, 1). */
function splitArg(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError(`--validation-split must be a number in [0, 1), got '${v}'`);
  return n;
}
