// train.py's flags, flag for flag: both spellings (-lr and --learning_rate), the same value
// words in any case. commander only knows one-letter short flags, so the multi-letter ones
// (-lr, -nhl, -w_i, ...) are rewritten to their long form before commander parses argv.

import type { Command } from 'commander';
import {
  ACTIVATIONS, DATASETS, DEFAULT_CONFIG, LOSSES, OPTIMIZERS, WEIGHT_INITS, type AssignmentConfig,
} from '../lib/node/experiments/assignment';
import { choiceArg, floatArg, intArg } from './cli';

export type TrainFlagKey = Exclude<keyof AssignmentConfig, 'seed'>;
type Key = TrainFlagKey;

interface Flag {
  short: string;
  long: Key;
  value: string;
  help: string;
  parse: (v: string) => string | number;
}

export const TRAIN_FLAGS: readonly Flag[] = [
  { short: '-wp', long: 'wandb_project', value: 'name', help: 'project name (names the local run folder runs/<project>/)', parse: (v) => v },
  { short: '-we', long: 'wandb_entity', value: 'name', help: 'entity name (recorded in the run config)', parse: (v) => v },
  { short: '-d', long: 'dataset', value: 'name', help: `dataset: ${DATASETS.join(', ')}`, parse: choiceArg('--dataset', DATASETS, { 'fashion-mnist': 'fashion_mnist' }) },
  { short: '-e', long: 'epochs', value: 'n', help: 'epochs (int ≥ 1)', parse: intArg('--epochs') },
  { short: '-b', long: 'batch_size', value: 'n', help: 'batch size (int ≥ 1)', parse: intArg('--batch_size') },
  { short: '-l', long: 'loss', value: 'name', help: `loss: ${LOSSES.join(', ')}`, parse: choiceArg('--loss', LOSSES) },
  { short: '-o', long: 'optimizer', value: 'name', help: `optimizer: ${OPTIMIZERS.join(', ')} (nesterov = nag)`, parse: choiceArg('--optimizer', OPTIMIZERS, { nesterov: 'nag' }) },
  { short: '-lr', long: 'learning_rate', value: 'x', help: 'learning rate (> 0)', parse: floatArg('--learning_rate', 'positive') },
  { short: '-m', long: 'momentum', value: 'x', help: 'momentum γ for momentum and nag, in [0, 1)', parse: floatArg('--momentum', 'nonnegative') },
  { short: '-beta', long: 'beta', value: 'x', help: 'β for rmsprop, in [0, 1)', parse: floatArg('--beta', 'nonnegative') },
  { short: '-beta1', long: 'beta1', value: 'x', help: 'β1 for adam and nadam, in [0, 1)', parse: floatArg('--beta1', 'nonnegative') },
  { short: '-beta2', long: 'beta2', value: 'x', help: 'β2 for adam and nadam, in [0, 1)', parse: floatArg('--beta2', 'nonnegative') },
  { short: '-eps', long: 'epsilon', value: 'x', help: 'ε of rmsprop, adam, nadam (> 0)', parse: floatArg('--epsilon', 'positive') },
  { short: '-w_d', long: 'weight_decay', value: 'x', help: 'L2 weight decay λ (≥ 0)', parse: floatArg('--weight_decay', 'nonnegative') },
  { short: '-w_i', long: 'weight_init', value: 'name', help: `weight init: ${WEIGHT_INITS.join(', ')}`, parse: choiceArg('--weight_init', WEIGHT_INITS) },
  { short: '-nhl', long: 'num_layers', value: 'n', help: 'hidden layers (int ≥ 1)', parse: intArg('--num_layers') },
  { short: '-sz', long: 'hidden_size', value: 'n', help: 'neurons per hidden layer (int ≥ 1)', parse: intArg('--hidden_size') },
  { short: '-a', long: 'activation', value: 'name', help: `activation: ${ACTIVATIONS.join(', ')}`, parse: choiceArg('--activation', ACTIVATIONS) },
];

const SHORT_TO_LONG = new Map(TRAIN_FLAGS.map((f) => [f.short, `--${f.long}`]));

/**
 * Rewrites train.py's single-dash spellings to long flags: `-lr 0.01` → `--learning_rate 0.01`,
 * `-lr=0.01` → `--learning_rate=0.01`. Only exact flag tokens are touched, never values (so a
 * negative number or a file name starting with '-' passes through), and nothing after `--`.
 */
export function expandShortFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  let rest = false;
  for (const tok of argv) {
    if (rest || tok === '--') {
      rest = true;
      out.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const head = eq > 0 ? tok.slice(0, eq) : tok;
    const long = SHORT_TO_LONG.get(head);
    out.push(long ? long + (eq > 0 ? tok.slice(eq) : '') : tok);
  }
  return out;
}

/** Adds the train.py flags (all, or the listed ones) with the given defaults. */
export function addTrainFlags(cmd: Command, defaults: Partial<AssignmentConfig> = DEFAULT_CONFIG, only?: readonly Key[]): Command {
  for (const f of TRAIN_FLAGS) {
    if (only && !only.includes(f.long)) continue;
    const dflt = defaults[f.long];
    cmd.option(`--${f.long} <${f.value}>`, `${f.help} [${f.short}]`, f.parse, dflt as string | number | undefined);
  }
  return cmd;
}

/** The AssignmentConfig described by parsed options (missing keys from the defaults). */
export function configFromOptions(opts: Record<string, unknown>, base: AssignmentConfig = DEFAULT_CONFIG): AssignmentConfig {
  const cfg = { ...base } as Record<string, unknown>;
  for (const f of TRAIN_FLAGS) if (opts[f.long] !== undefined) cfg[f.long] = opts[f.long];
  if (opts.seed !== undefined) cfg.seed = opts.seed;
  return cfg as unknown as AssignmentConfig;
}

/** Parses one train setting (a long flag name, or seed) as its flag would; throws naming it. */
export function parseTrainValue(key: string, value: string | number | boolean): string | number {
  const flag = TRAIN_FLAGS.find((f) => f.long === key);
  const parse = flag ? flag.parse : key === 'seed' ? intArg('seed', 0) : undefined;
  if (!parse) throw new Error(`'${key}' is not a train setting (expected one of ${[...TRAIN_FLAGS.map((f) => f.long), 'seed'].join(', ')})`);
  return parse(String(value));
}

/**
 * Checks one value of a `train` configuration that arrives whole (not typed by a user): it must be
 * exactly what its flag's parser gives back for it, so 'relu' for activation is refused (train
 * would store 'ReLU') and so is '5' for epochs. Throws naming the key, the value and what was expected.
 */
export function checkTrainValue(key: string, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') {
    parseTrainValue(key, ''); // an unknown key is named first
    throw new Error(`${key} must be a ${typeof DEFAULT_CONFIG[key as keyof AssignmentConfig]}, got ${JSON.stringify(value)}`);
  }
  let parsed: string | number;
  try {
    parsed = parseTrainValue(key, value);
  } catch (err) {
    if (/is not a train setting/.test((err as Error).message)) throw err;
    throw new Error(`${key}: ${(err as Error).message}`);
  }
  if (parsed !== value) throw new Error(`${key} must be ${JSON.stringify(parsed)} (as train spells it), got ${JSON.stringify(value)}`);
}

/**
 * Checks that an object is a complete `train` configuration, nothing more and nothing less, every
 * value as train's flags would accept it; returns it typed. Used on configurations that arrive from
 * outside (a sweep queue), so it copies only the known keys.
 */
export function checkTrainConfig(raw: unknown): AssignmentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`a train configuration must be an object, got ${JSON.stringify(raw)}`);
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(DEFAULT_CONFIG);
  for (const k of Object.keys(obj)) if (!keys.includes(k)) checkTrainValue(k, obj[k]); // throws: unknown key
  const cfg: Record<string, unknown> = {};
  for (const k of keys) {
    if (!(k in obj)) throw new Error(`train configuration lacks '${k}'`);
    checkTrainValue(k, obj[k]);
    cfg[k] = obj[k];
  }
  return cfg as unknown as AssignmentConfig;
}
