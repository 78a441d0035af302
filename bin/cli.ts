// What every scratchnet command shares: value parsers that name the bad value and the expected
// one, the shared flags (declared once, here), either spelling of multi-word flags, a reporter that
// keeps stdout clean for --json, a progress bar for TTYs, and epoch lines.

import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Callbacks, EpochLogs } from '../lib';
import type { ExperimentDataConfig } from '../lib/node/experiments/common';

/** Parses an integer ≥ min; the error names the flag, the value and the range. */
export function intArg(flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`}, got '${v}'`);
    }
    return n;
  };
}

/** Parses a finite number, > 0 when positive, ≥ 0 otherwise (or unrestricted with 'any'). */
export function floatArg(flag: string, range: 'positive' | 'nonnegative' | 'any' = 'positive'): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    const ok = v.trim() !== '' && Number.isFinite(n) && (range === 'any' || (range === 'positive' ? n > 0 : n >= 0));
    if (!ok) throw new InvalidArgumentError(`${flag} must be a ${range === 'any' ? '' : range === 'positive' ? 'number > 0' : 'number ≥ 0'}${range === 'any' ? 'finite number' : ''}, got '${v}'`);
    return n;
  };
}

/** Parses one of a fixed set of words, case-insensitively, with optional aliases. */
export function choiceArg<T extends string>(flag: string, choices: readonly T[], aliases: Record<string, T> = {}): (v: string) => T {
  return (v: string) => {
    const key = v.toLowerCase();
    const hit = choices.find((c) => c.toLowerCase() === key) ?? aliases[key];
    if (!hit) throw new InvalidArgumentError(`${flag} must be one of ${choices.join(', ')}; got '${v}'`);
    return hit;
  };
}

/**
 * Where a command's words go. With --json, stdout carries exactly one JSON object (printed by
 * result()) and every other line goes to stderr; without it, lines go to stdout.
 */
export class Reporter {
  constructor(readonly json: boolean) {}

  /** A human-readable line. */
  line(text = ''): void {
    (this.json ? process.stderr : process.stdout).write(text + '\n');
  }

  /** The single JSON result (only in --json mode). */
  result(obj: unknown): void {
    if (this.json) process.stdout.write(JSON.stringify(obj) + '\n');
  }
}

/** Bars being drawn now. cli-progress redraws on a timer while a bar runs, so a command that fails
 * mid-epoch must stop its bars or the timer keeps the process alive: bin/scratchnet.ts calls
 * stopProgressBars() on every error. */
const drawing = new Set<ProgressBar>();

/** Stops every bar still drawing (clearing its line). */
export function stopProgressBars(): void {
  for (const bar of [...drawing]) bar.clear();
}

/** A one-line progress bar (cli-progress) on stderr, drawn only when stderr is a terminal outside CI. */
export class ProgressBar {
  private readonly bar: SingleBar | null;
  private total = -1;

  constructor(label: string, opts: { stream?: NodeJS.WriteStream; enabled?: boolean } = {}) {
    const stream = opts.stream ?? process.stderr;
    const enabled = opts.enabled ?? (stream.isTTY === true && !process.env.CI);
    this.bar = enabled
      ? new SingleBar({
        stream, format: `${label} [{bar}] {value}/{total} {extra}`, barsize: 30, barCompleteChar: '=', barIncompleteChar: ' ',
        clearOnComplete: true, hideCursor: false, fps: 10, // a redraw at most every 100 ms
      })
      : null;
  }

  /** Shows `done` of `total` (plus `extra` text); a new total starts the bar again. */
  update(done: number, total: number, extra = ''): void {
    if (!this.bar) return;
    if (total !== this.total) {
      if (this.total >= 0) this.bar.stop();
      this.bar.start(total, done, { extra });
      this.total = total;
      drawing.add(this);
    } else {
      this.bar.update(done, { extra });
    }
  }

  /** Stops the bar and clears its line (until the next update). */
  clear(): void {
    if (!this.bar || this.total < 0) return;
    this.bar.stop();
    this.total = -1;
    drawing.delete(this);
  }
}

/** Formats one epoch's figures as the line every training command prints. */
export function epochLine(epoch: number, epochs: number, logs: EpochLogs): string {
  const f = (v: number | undefined, d = 4) => (v === undefined ? '-' : v.toFixed(d));
  return `epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}  loss ${f(logs.loss)}  accuracy ${f(logs.accuracy)}  val_loss ${f(logs.val_loss)}  val_accuracy ${f(logs.val_accuracy)}  grad_norm ${f(logs.grad_norm, 3)}  ${logs.seconds.toFixed(1)}s`;
}

/** fit callbacks that print an epoch line and draw a progress bar while an epoch runs. */
export function progressCallbacks(reporter: Reporter, epochs: number, label = 'train'): Callbacks {
  const bar = new ProgressBar(label);
  let batches = 0;
  return {
    onBatchBegin: (b, info) => { batches = info.batches; bar.update(b, batches); },
    onEpochEnd: (epoch, logs) => {
      bar.clear();
      void batches;
      reporter.line(epochLine(epoch, epochs, logs));
    },
  };
}

/**
 * The flags several commands share, each declared here once (name, value parser, default); a command
 * may word the help for what the flag means there.
 */
export const sharedFlag = {
  seed: (help = 'seed for weights, validation split and batch order (the same seed reruns bit for bit)') =>
    new Option('--seed <n>', help).argParser(intArg('--seed', 0)).default(1),
  json: () => new Option('--json', 'print one JSON object on stdout; everything else goes to stderr').default(false),
  dataDir: () => new Option('--data-dir <dir>', 'read the four IDX files from this folder instead of the shipped data'),
  out: (dflt: string, help = 'folder for the files this command writes') => new Option('--out <dir>', help).default(dflt),
  trainLimit: (help = 'use only the first n training images (quick runs)') => new Option('--train-limit <n>', help).argParser(intArg('--train-limit')),
  testLimit: (help = 'use only the first n test images (quick runs)') => new Option('--test-limit <n>', help).argParser(intArg('--test-limit')),
};

/** Which shared flags a command takes; a string replaces the flag's help text. */
export interface SharedFlags {
  seed?: true | string;
  json?: true;
  dataDir?: true;
  out?: { default: string; help?: string };
  limits?: true | { train?: string; test?: string };
}

/** Adds the chosen shared flags, in a fixed order: seed, data-dir, json, limits, out. */
export function addSharedFlags(cmd: Command, which: SharedFlags): Command {
  const help = (v: true | string | undefined) => (typeof v === 'string' ? v : undefined);
  if (which.seed) cmd.addOption(sharedFlag.seed(help(which.seed)));
  if (which.dataDir) cmd.addOption(sharedFlag.dataDir());
  if (which.json) cmd.addOption(sharedFlag.json());
  if (which.limits) {
    const l = which.limits === true ? {} : which.limits;
    cmd.addOption(sharedFlag.trainLimit(l.train)).addOption(sharedFlag.testLimit(l.test));
  }
  if (which.out) cmd.addOption(sharedFlag.out(which.out.default, which.out.help));
  return cmd;
}

/** The flags every experiment command has: --seed, --data-dir, --json, --out. */
export function commonOptions(cmd: Command, defaults: { out: string }): Command {
  return addSharedFlags(cmd, { seed: 'seed for weights and batch order (the same seed reruns bit for bit)', dataDir: true, json: true, out: { default: defaults.out } });
}

/** A flag's name with '_' and '-' made one: batch_size and batch-size → batch-size. */
function spellingKey(flag: string): string {
  return flag.replace(/_/g, '-');
}

/**
 * `args` with every multi-word flag written as `cmd` declares it, so --batch_size and --batch-size (and
 * --batch_size=64) are one flag on every command. Only tokens that start with '--', name no declared
 * flag as written, and match exactly one declared flag up to '_' ↔ '-' are touched; values and
 * everything after '--' never are.
 */
export function declaredSpelling(cmd: Command, args: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  const declared = new Set<string>();
  for (const o of cmd.options as readonly Option[]) {
    if (!o.long) continue;
    declared.add(o.long);
    byKey.set(spellingKey(o.long), o.long);
  }
  const out: string[] = [];
  let rest = false;
  for (const tok of args) {
    if (rest || tok === '--' || !tok.startsWith('--')) {
      rest ||= tok === '--';
      out.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = eq > 0 ? tok.slice(0, eq) : tok;
    const long = declared.has(name) ? undefined : byKey.get(spellingKey(name));
    out.push(long ? long + (eq > 0 ? tok.slice(eq) : '') : tok);
  }
  return out;
}

/** Makes `cmd` accept either spelling of each of its multi-word flags (see declaredSpelling). */
export function acceptBothSpellings(cmd: Command): Command {
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args: string[]) => parse(declaredSpelling(cmd, args));
  return cmd;
}

/**
 * What every experiment config (ayla, dynamic-loss, custom-layer, fnn-cnn) takes from the command line: commonOptions' values plus the
 * command's own --dataset, --train-limit and --test-limit, under the names the configs use.
 */
export function commonConfig(opts: Record<string, unknown>): ExperimentDataConfig {
  return {
    seed: opts.seed as number,
    dataset: opts.dataset as string,
    dataDir: opts.dataDir as string | undefined,
    trainLimit: opts.trainLimit as number | undefined,
    testLimit: opts.testLimit as number | undefined,
    outDir: opts.out as string,
  };
}
