// What the three experiment commands (ayla, dynamic-loss, custom-layer) share beyond bin/cli.ts:
// questions answered on stdin (AYLA's script asks for its numbers), colour and dash flags, and a
// progress bar as fit callbacks.

import { createInterface } from 'node:readline';
import { InvalidArgumentError } from 'commander';
import type { Callbacks } from '../lib/model/history';
import type { DashStyle } from '../lib/node/experiments/ayla';
import { ProgressBar } from './cli';

/** A number to ask for when its flag was not given. */
export interface Question {
  /** The flag that answers it instead, e.g. '--n1'. */
  flag: string;
  /** What is printed, e.g. 'Enter N1 value:'. */
  prompt: string;
  /** Throws (with a message naming the value and what is expected) on a bad answer. */
  parse: (answer: string) => number;
}

/**
 * Asks each question on `out` and reads one line per answer from stdin, a terminal or a pipe. On a
 * terminal a bad answer is explained and asked again; from a pipe it is an error, as is stdin
 * ending (or being unreadable) before every question is answered.
 */
export async function askNumbers(questions: Question[], out: NodeJS.WritableStream): Promise<number[]> {
  if (questions.length === 0) return [];
  const input = process.stdin;
  const tty = input.isTTY === true;
  const rl = createInterface({ input, output: tty ? out : undefined, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  const answers: number[] = [];
  try {
    for (const q of questions) {
      for (;;) {
        out.write(`${q.prompt} `);
        let next: IteratorResult<string>;
        try {
          next = await lines.next();
        } catch (err) {
          throw new Error(`cannot read the answer to '${q.prompt}' from standard input (${err instanceof Error ? err.message : String(err)}); pass ${q.flag} <number>`);
        }
        if (next.done) {
          if (!tty) out.write('\n');
          throw new Error(`no answer to '${q.prompt}': standard input ended or is not readable; pass ${q.flag} <number> or pipe the answers in, one per line`);
        }
        const answer = next.value.trim();
        if (!tty) out.write(`${answer}\n`); // echo piped answers so the log reads like the original script's session
        try {
          answers.push(q.parse(answer));
          break;
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          if (!tty) throw new Error(`bad answer to '${q.prompt}': ${msg}`);
          out.write(`${msg}; try again\n`);
        }
      }
    }
  } finally {
    rl.close();
  }
  return answers;
}

/** Parses a dash style: solid, dashed, dotted, or comma-separated on/off lengths such as 6,3. */
export function dashArg(flag: string): (v: string) => DashStyle {
  return (v: string) => {
    const key = v.trim().toLowerCase();
    if (key === 'solid' || key === 'dashed' || key === 'dotted') return key;
    const parts = key.split(',').map((p) => Number(p));
    if (key !== '' && parts.every((p) => Number.isFinite(p) && p >= 0) && parts.some((p) => p > 0)) return parts;
    throw new InvalidArgumentError(`${flag} must be solid, dashed, dotted or on,off lengths such as 6,3; got '${v}'`);
  };
}

/** Parses a CSS colour: a name (black, steelblue) or #rgb, #rrggbb, #rrggbbaa. */
export function colorArg(flag: string): (v: string) => string {
  return (v: string) => {
    const s = v.trim();
    if (/^[a-z]{3,30}$/i.test(s) || /^#([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(s)) return s;
    throw new InvalidArgumentError(`${flag} must be a colour name (black, blue, steelblue) or #rrggbb; got '${v}'`);
  };
}

/** fit callbacks drawing a progress bar over each epoch's batches (on a TTY only). */
export function barCallbacks(label: string): Callbacks {
  const bar = new ProgressBar(label);
  return {
    onBatchBegin: (b, info) => bar.update(b, info.batches, `epoch ${info.epoch + 1}`),
    onEpochEnd: () => bar.clear(),
  };
}
