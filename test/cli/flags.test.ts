// The CLI's flags are consistent across commands: every multi-word flag takes both spellings
// (--batch-size and --batch_size) on every command, the shared flags are declared once (bin/cli.ts)
// and behave alike everywhere, choices say what they are (the old names still parse), and the help
// names experiments by subject.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { declaredSpelling } from '../../bin/cli';
import { buildProgram } from '../../bin/program';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const SHARED = ['--seed', '--json', '--data-dir', '--out', '--train-limit', '--test-limit'];

function command(name: string): Command {
  const c = buildProgram().commands.find((k) => k.name() === name);
  if (!c) throw new Error(`no command ${name}`);
  return c;
}

/** The other spelling of a multi-word long flag, or null for a one-word flag. */
function otherSpelling(long: string): string | null {
  const body = long.slice(2);
  if (body.includes('_')) return `--${body.replace(/_/g, '-')}`;
  if (body.includes('-')) return `--${body.replace(/-/g, '_')}`;
  return null;
}

const program = buildProgram();
const multiWord = program.commands.flatMap((c) => (c.options as readonly Option[])
  .filter((o) => o.long && otherSpelling(o.long))
  .map((o) => [c.name(), o.long as string, otherSpelling(o.long as string) as string] as const));

test('there are multi-word flags in both styles to check', () => {
  expect(multiWord.some(([, long]) => long.includes('_'))).toBe(true); // train.py's --batch_size
  expect(multiWord.some(([, long]) => long.includes('-', 2))).toBe(true); // --data-dir
});

test.each(multiWord)('%s accepts %s also as %s', (name, long, other) => {
  expect(declaredSpelling(command(name), [other, 'v', `${other}=w`])).toEqual([long, 'v', `${long}=w`]);
});

test('the other spelling sets the same option, with the same parser, on a parsed command', () => {
  const train = command('train');
  train.parseOptions(['--batch-size', '7', '--learning-rate=0.25', '--train_limit', '100', '--data_dir', '/d']);
  expect(train.opts()).toMatchObject({ batch_size: 7, learning_rate: 0.25, trainLimit: 100, dataDir: '/d' });
  const layer = command('custom-layer');
  layer.parseOptions(['--batch_size', '16', '--validation_split=0.5']);
  expect(layer.opts()).toMatchObject({ batchSize: 16, validationSplit: 0.5 });
});

test('values, the declared spelling, unknown flags and everything after -- are left alone', () => {
  const c = command('ayla');
  expect(declaredSpelling(c, ['--out', '--learning_rate_dir', '--batch-size', '4', '--no_such_flag', '--', '--batch_size']))
    .toEqual(['--out', '--learning_rate_dir', '--batch-size', '4', '--no_such_flag', '--', '--batch_size']);
});

test('a bad value given in either spelling is refused with the flag, the value and what was expected', () => {
  for (const [args, msg] of [
    [['custom-layer', '--batch_size', '0'], "--batch-size must be an integer ≥ 1, got '0'"],
    [['train', '--batch-size', '0'], "--batch_size must be an integer ≥ 1, got '0'"],
    [['dynamic-loss', '--log_every', 'x'], "--log-every must be an integer ≥ 1, got 'x'"],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 60000 });
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(msg)]);
  }
});

describe('shared flags', () => {
  test('each is declared once, in bin/cli.ts, and nowhere else in bin/', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
      }
    };
    walk(join(__dirname, '..', '..', 'bin'));
    const declarations = new Map<string, string[]>();
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/(?:\.(?:option|requiredOption)\(|new Option\()\s*['"`](--[a-z][a-z_-]*)/g)) {
        if (SHARED.includes(m[1])) declarations.set(m[1], [...(declarations.get(m[1]) ?? []), f.slice(f.indexOf('bin'))]);
      }
    }
    for (const flag of SHARED) expect([flag, declarations.get(flag)]).toEqual([flag, ['bin/cli.ts']]);
  });

  test('every command that has one declares it alike (same name, value and default kind)', () => {
    for (const flag of SHARED) {
      const forms = new Set<string>();
      for (const c of program.commands) {
        const o = (c.options as readonly Option[]).find((k) => k.long === flag);
        if (o) forms.add(`${o.flags} ${flag === '--seed' ? o.defaultValue : flag === '--json' ? o.defaultValue : ''}`);
      }
      expect([flag, forms.size]).toEqual([flag, 1]);
    }
  });

  test('the commands that train take --seed, --data-dir, --json and both limits', () => {
    for (const name of ['train', 'compare-optimizers', 'compare-losses', 'mnist-configs', 'confusion', 'ayla', 'dynamic-loss', 'custom-layer']) {
      const longs = (command(name).options as readonly Option[]).map((o) => o.long);
      expect([name, SHARED.filter((f) => !longs.includes(f))]).toEqual([name, []]);
    }
  });
});

describe('choices say what they are', () => {
  test('--exponent-rule n1-above|n1-below, --schedule class-per-step|class-per-period; the old names still parse', () => {
    const ayla = command('ayla');
    ayla.parseOptions(['--exponent-rule', 'n1-below']);
    expect(ayla.opts().exponentRule).toBe('n1-below');
    ayla.parseOptions(['--exponent-rule', 'seed']);
    expect(ayla.opts().exponentRule).toBe('n1-above');
    ayla.parseOptions(['--exponent_rule', 'author']);
    expect(ayla.opts().exponentRule).toBe('n1-below');
    const dyn = command('dynamic-loss');
    expect(dyn.opts().schedule).toBe('class-per-step'); // the default
    dyn.parseOptions(['--schedule', 'paper']);
    expect(dyn.opts().schedule).toBe('class-per-period');
    dyn.parseOptions(['--schedule', 'seed']);
    expect(dyn.opts().schedule).toBe('class-per-step');
  });

  test('the help shows only the new names, and no internal names of the experiments', () => {
    const help = [program.helpInformation(), ...program.commands.map((c) => c.helpInformation())].join('\n');
    expect(help).toMatch(/n1-above/);
    expect(help).toMatch(/class-per-period/);
    expect(help).not.toMatch(/\bseed 00\d|seed documents|the seed\b|seed's|seed:|\|seed\b|author:/i);
    expect(help).toMatch(/AYLA/);
    expect(help).toMatch(/Ruiz-Garcia et al\. \(ICML 2021\)/);
    expect(help).toMatch(/DA6401 Q1/);
  });
});
