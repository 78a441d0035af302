// train.py's flag set: every short and long spelling, value words in any case, and bad values.

import type { Command } from 'commander';
import { trainCommand } from '../../bin/commands/train';
import { TRAIN_FLAGS, configFromOptions, expandShortFlags } from '../../bin/train-flags';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';

/** Parses args with the real train command, its action replaced, and returns the config. */
function parse(args: string[]) {
  const cmd: Command = trainCommand();
  let opts: Record<string, unknown> = {};
  cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.action((o: Record<string, unknown>) => { opts = o; });
  cmd.parse(expandShortFlags(args), { from: 'user' });
  return configFromOptions(opts);
}

/** The error message commander gives for args (throws if parsing succeeds). */
function parseError(args: string[]): string {
  try {
    parse(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${args.join(' ')} to be rejected`);
}

const VALUES: Record<string, [string, unknown]> = {
  wandb_project: ['proj', 'proj'],
  wandb_entity: ['me', 'me'],
  dataset: ['mnist', 'mnist'],
  epochs: ['3', 3],
  batch_size: ['16', 16],
  loss: ['mean_squared_error', 'mean_squared_error'],
  optimizer: ['rmsprop', 'rmsprop'],
  learning_rate: ['0.01', 0.01],
  momentum: ['0.5', 0.5],
  beta: ['0.8', 0.8],
  beta1: ['0.85', 0.85],
  beta2: ['0.99', 0.99],
  epsilon: ['1e-6', 1e-6],
  weight_decay: ['0.0005', 0.0005],
  weight_init: ['random', 'random'],
  num_layers: ['4', 4],
  hidden_size: ['32', 32],
  activation: ['tanh', 'tanh'],
};

describe('every flag in both spellings', () => {
  test('the table covers all of train.py', () => {
    expect(TRAIN_FLAGS.map((f) => f.short)).toEqual(['-wp', '-we', '-d', '-e', '-b', '-l', '-o', '-lr', '-m', '-beta', '-beta1', '-beta2', '-eps', '-w_d', '-w_i', '-nhl', '-sz', '-a']);
  });
  test.each(TRAIN_FLAGS.map((f) => [f.short, f.long]))('%s and --%s', (short, long) => {
    const [raw, expected] = VALUES[long];
    expect((parse([short, raw]) as unknown as Record<string, unknown>)[long]).toEqual(expected);
    expect((parse([`--${long}`, raw]) as unknown as Record<string, unknown>)[long]).toEqual(expected);
    expect((parse([`--${long}=${raw}`]) as unknown as Record<string, unknown>)[long]).toEqual(expected);
  });
  test('the Python example line parses exactly', () => {
    const cfg = parse('-wp my_project -we my_entity -d mnist -e 10 -b 32 -l cross_entropy -o adam -lr 0.01 -nhl 2 -sz 128 -a ReLU -w_i Xavier -w_d 0 -eps 1e-8 -beta1 0.9 -beta2 0.999'.split(' '));
    expect(cfg).toMatchObject({ wandb_project: 'my_project', wandb_entity: 'my_entity', dataset: 'mnist', epochs: 10, batch_size: 32, loss: 'cross_entropy', optimizer: 'adam', learning_rate: 0.01, num_layers: 2, hidden_size: 128, activation: 'ReLU', weight_init: 'Xavier', weight_decay: 0, epsilon: 1e-8, beta1: 0.9, beta2: 0.999 });
  });
  test('no flags → the defaults', () => {
    expect(parse([])).toEqual(DEFAULT_CONFIG);
  });
  test('value words in any case; nesterov means nag; fashion-mnist is accepted', () => {
    expect(parse(['-w_i', 'xavier', '-a', 'relu', '-o', 'Nesterov', '-d', 'Fashion-MNIST'])).toMatchObject({ weight_init: 'Xavier', activation: 'ReLU', optimizer: 'nag', dataset: 'fashion_mnist' });
    expect(parse(['-a', 'SIGMOID', '-w_i', 'RANDOM', '-o', 'NAG'])).toMatchObject({ activation: 'sigmoid', weight_init: 'random', optimizer: 'nag' });
  });
  test('values that look like short flags are left alone after --, and negative numbers pass through', () => {
    expect(expandShortFlags(['-lr', '-0.5', '--', '-lr'])).toEqual(['--learning_rate', '-0.5', '--', '-lr']);
    expect(expandShortFlags(['-lr=0.1', '-nhl', '2'])).toEqual(['--learning_rate=0.1', '--num_layers', '2']);
  });
});

describe('bad values are refused, naming the value and what was expected', () => {
  test.each([
    [['-o', 'adamw'], /--optimizer must be one of sgd, momentum, nag, rmsprop, adam, nadam; got 'adamw'/],
    [['-a', 'gelu'], /--activation must be one of identity, sigmoid, tanh, ReLU; got 'gelu'/],
    [['-d', 'cifar10'], /--dataset must be one of mnist, fashion_mnist; got 'cifar10'/],
    [['-l', 'hinge'], /--loss must be one of mean_squared_error, cross_entropy; got 'hinge'/],
    [['-w_i', 'he'], /--weight_init must be one of random, Xavier; got 'he'/],
    [['-e', '0'], /--epochs must be an integer ≥ 1, got '0'/],
    [['-e', '2.5'], /--epochs must be an integer ≥ 1, got '2.5'/],
    [['-b', '-4'], /--batch_size must be an integer ≥ 1, got '-4'/],
    [['-lr', '0'], /--learning_rate must be a number > 0, got '0'/],
    [['-lr', 'fast'], /--learning_rate must be a number > 0, got 'fast'/],
    [['-w_d', '-0.1'], /--weight_decay must be a number ≥ 0, got '-0.1'/],
    [['-nhl', 'three'], /--num_layers must be an integer ≥ 1, got 'three'/],
    [['-sz', '0'], /--hidden_size must be an integer ≥ 1, got '0'/],
    [['-eps', '0'], /--epsilon must be a number > 0, got '0'/],
  ])('%j', (args, message) => {
    expect(parseError(args as string[])).toMatch(message as RegExp);
  });
  test('an unknown flag', () => {
    expect(parseError(['--learningrate', '0.1'])).toMatch(/unknown option '--learningrate'/);
  });
});
