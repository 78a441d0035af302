// `scratchnet ayla`: the AYLA loss transform. Asks, like AYLA's script, for the epochs, N1 and N2 not given as flags,
// then trains Normal and AYLA (lib/node/experiments/ayla.ts) and writes SM1_acc.png and SM1_loss.png.

import { Command } from 'commander';
import { DATASET_NAMES } from '../../lib/node/data';
import { DEFAULT_AYLA_CONFIG, runAyla, type AylaConfig } from '../../lib/node/experiments/ayla';
import { AYLA_RULE_ALIASES } from '../../lib/losses/ayla';
import { optimizerNames } from '../../lib/optimizers';
import { choiceArg, commonConfig, commonOptions, floatArg, intArg, Reporter, sharedFlag } from '../cli';
import { askNumbers, barCallbacks, colorArg, dashArg, type Question } from '../experiment-cli';

export function aylaCommand(): Command {
  const d = DEFAULT_AYLA_CONFIG;
  const cmd = new Command('ayla')
    .description('the AYLA loss transform (github.com/keslaki/AYLA): train the same MLP normally and with AYLA from identical weights; compare in SM1_acc.png / SM1_loss.png')
    .option('--epochs <n>', 'training epochs (asked on stdin when omitted)', intArg('--epochs'))
    .option('--n1 <x>', 'AYLA exponent N1 (asked on stdin when omitted)', floatArg('--n1'))
    .option('--n2 <x>', 'AYLA exponent N2 (asked on stdin when omitted)', floatArg('--n2'))
    .option('--exponent-rule <rule>', "n1-above: N1 for |L| > 1, N2 for |L| < 1 (as AYLA's README states it); n1-below: the other way round (as AYLA's code does)", choiceArg('--exponent-rule', ['n1-above', 'n1-below'] as const, AYLA_RULE_ALIASES), d.rule)
    .option('--optimizer <name>', `one of ${optimizerNames.join(', ')}`, choiceArg('--optimizer', optimizerNames, { nesterov: 'nag' }), d.optimizer)
    .option('--learning-rate <x>', "learning rate (default: the optimizer's own, Adam 0.001)", floatArg('--learning-rate'))
    .option('--epsilon <x>', "the optimizer's ε (AYLA's 1e-7)", floatArg('--epsilon'), d.epsilon)
    .option('--batch-size <n>', 'batch size (AYLA: 128)', intArg('--batch-size'), d.batchSize)
    .option('--dataset <name>', 'mnist (as AYLA) or fashion_mnist', choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }), d.dataset)
    .addOption(sharedFlag.trainLimit('train on the first n training images only (quick runs)'))
    .addOption(sharedFlag.testLimit('validate on the first n test images only (quick runs)'))
    .option('--normal-color <css>', 'colour of the Normal curves', colorArg('--normal-color'), d.style.normalColor)
    .option('--ayla-color <css>', 'colour of the AYLA curves', colorArg('--ayla-color'), d.style.aylaColor)
    .option('--train-dash <style>', 'training curves: solid, dashed, dotted or on,off lengths', dashArg('--train-dash'), d.style.trainDash)
    .option('--val-dash <style>', 'validation curves: solid, dashed, dotted or on,off lengths', dashArg('--val-dash'), d.style.valDash);
  commonOptions(cmd, { out: d.outDir as string });
  cmd.action(async (opts: Record<string, unknown>) => runAylaCommand(opts));
  return cmd;
}

async function runAylaCommand(opts: Record<string, unknown>): Promise<void> {
  const reporter = new Reporter(opts.json === true);
  // AYLA's three questions, for whatever the flags did not answer.
  const questions: (Question & { key: 'epochs' | 'n1' | 'n2' })[] = [
    { key: 'epochs' as const, flag: '--epochs', prompt: 'Enter number of epochs:', parse: intArg('epochs') },
    { key: 'n1' as const, flag: '--n1', prompt: 'Enter N1 value:', parse: floatArg('N1') },
    { key: 'n2' as const, flag: '--n2', prompt: 'Enter N2 value:', parse: floatArg('N2') },
  ].filter((q) => opts[q.key] === undefined);
  const answers = await askNumbers(questions, opts.json === true ? process.stderr : process.stdout);
  questions.forEach((q, i) => (opts[q.key] = answers[i]));

  const config: AylaConfig = {
    ...DEFAULT_AYLA_CONFIG,
    epochs: opts.epochs as number,
    n1: opts.n1 as number,
    n2: opts.n2 as number,
    rule: opts.exponentRule as AylaConfig['rule'],
    optimizer: opts.optimizer as string,
    learningRate: opts.learningRate as number | undefined,
    epsilon: opts.epsilon as number,
    batchSize: opts.batchSize as number,
    ...commonConfig(opts),
    style: {
      normalColor: opts.normalColor as string,
      aylaColor: opts.aylaColor as string,
      trainDash: opts.trainDash as AylaConfig['style']['trainDash'],
      valDash: opts.valDash as AylaConfig['style']['valDash'],
    },
  };
  const result = await runAyla(config, {
    log: (line) => reporter.line(line),
    callbacks: (which) => [barCallbacks(which === 'normal' ? 'Normal' : 'AYLA')],
  });
  reporter.line(`wrote ${result.files.join(', ')}`);
  reporter.result(result);
}
