// End to end: each assignment command run as a user runs it (node dist/bin/scratchnet.js, built
// by `npm test`'s pretest), on a small slice of the data so the whole file takes seconds.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const SLICE = ['--train-limit', '1200', '--test-limit', '300'];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs with --json and returns the one JSON object stdout must hold. */
function runJson(args: string[]) {
  const r = run([...args, '--json']);
  expect([r.code, r.stderr.includes('    at ')]).toEqual([0, false]);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { json: JSON.parse(lines[0]), stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-cli-'));

test('--help lists every command, --version prints the version', () => {
  const help = run(['--help']);
  expect(help.code).toBe(0);
  for (const c of ['train', 'samples', 'predict', 'compare-optimizers', 'confusion', 'compare-losses', 'mnist-configs']) expect(help.stdout).toContain(c);
  expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test('the built command is executable itself (npx and a linked bin run the file, not node on it)', () => {
  // npx in a clone runs the package's bin through a link made once per folder in its cache; a later
  // build of the same folder must leave the file executable on its own, or the command fails with EACCES.
  expect(statSync(BIN).mode & 0o111).toBe(0o111);
  expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  expect([r.status, r.stdout.trim()]).toEqual([0, expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
});

describe('train', () => {
  const out = join(tmp, 'runs');
  const model = join(tmp, 'model.snet');
  let json: Record<string, any>;
  let stderr: string;
  beforeAll(() => {
    ({ json, stderr } = runJson(['train', '-e', '2', '-nhl', '1', '-sz', '32', '-b', '32', '-lr', '0.002', '-wp', 'testproj', '--out', out, '--save-model', model, ...SLICE]));
  });
  test('--json puts exactly one object on stdout, the epoch lines on stderr', () => {
    expect(Object.keys(json).sort()).toEqual(['config', 'history', 'params', 'run', 'run_dir', 'test_accuracy', 'test_loss', 'train_seconds']);
    expect(json.history).toHaveLength(2);
    expect(Object.keys(json.history[0]).sort()).toEqual(['accuracy', 'epoch', 'grad_norm', 'loss', 'seconds', 'val_accuracy', 'val_loss']);
    expect(json.config).toMatchObject({ epochs: 2, num_layers: 1, hidden_size: 32, batch_size: 32, learning_rate: 0.002 });
    expect(json.test_accuracy).toBeGreaterThan(0.5);
    expect(stderr).toMatch(/epoch 1\/2 +loss [\d.]+ +accuracy [\d.]+ +val_loss [\d.]+ +val_accuracy [\d.]+/);
    expect(stderr).toMatch(/test_loss [\d.]+ +test_accuracy [\d.]+/);
  });
  test('the run folder records config, per-epoch metrics and the summary', () => {
    const runs = readdirSync(join(out, 'testproj'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^hl-1_bs-32_act-relu_opt-adam_\d{8}T\d{6}Z$/);
    const dir = join(out, 'testproj', runs[0]);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ hidden_size: 32 });
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).test_accuracy).toBe(json.test_accuracy);
  });
  test('the saved model predicts (Q2) and draws a confusion matrix (Q7) with the same test accuracy', () => {
    const p = runJson(['predict', '--index', '60001', '--model', model]).json;
    expect(p.trueClass).toBe('Ankle boot');
    const probs = Object.values(p.probabilities) as number[];
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const cm = runJson(['confusion', '--model', model, '--out', join(tmp, 'cm'), ...SLICE]).json;
    expect(cm.test_accuracy).toBeCloseTo(json.test_accuracy, 10);
    expect(cm.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(300);
    for (const f of ['confusion.png', 'confusion.svg', 'confusion.csv', 'precision-recall.png', 'confused-examples.png']) expect(existsSync(join(tmp, 'cm', f))).toBe(true);
    expect(readFileSync(join(tmp, 'cm', 'confusion.csv'), 'utf8').split('\n')[0]).toBe('true\\predicted,T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot');
  });
  test('the same seed reruns bit-identically', () => {
    const again = runJson(['train', '-e', '2', '-nhl', '1', '-sz', '32', '-b', '32', '-lr', '0.002', '-wp', 'testproj2', '--out', out, ...SLICE]).json;
    expect(again.history.map((h: any) => h.loss)).toEqual(json.history.map((h: any) => h.loss));
  });
});

test('samples (Q1) writes the 2x5 grid', () => {
  const { json } = runJson(['samples', '--out', join(tmp, 'samples')]);
  expect(json.indices).toHaveLength(10);
  expect(readFileSync(join(tmp, 'samples', 'samples.png')).subarray(1, 4).toString()).toBe('PNG');
});

test('predict (Q2) from a fresh network of a given shape', () => {
  const { json } = runJson(['predict', '--index', '1', '-nhl', '3', '-sz', '16', '-a', 'tanh', '-d', 'mnist']);
  expect(json).toMatchObject({ index: 1, split: 'train', trueClass: '5' });
});

test.each([
  ['compare-optimizers', 6, 'optimizers'],
  ['compare-losses', 2, 'losses'],
  ['mnist-configs', 3, 'mnist-configs'],
])('%s runs every configuration and writes curves and a table', (command, n, file) => {
  const out = join(tmp, command);
  const { json } = runJson([command, '-e', '1', '--out', out, ...SLICE]);
  expect(json.results).toHaveLength(n);
  for (const r of json.results) expect(r.history.val_accuracy).toHaveLength(1);
  for (const ext of ['png', 'svg', 'json']) expect(existsSync(join(out, `${file}.${ext}`))).toBe(true);
});

describe('bad input: a clear message, exit code 1, no stack trace, no output written', () => {
  const OUT = '<out>';
  test.each([
    [['train', '-o', 'adamw', '--out', OUT], /--optimizer must be one of sgd, momentum, nag, rmsprop, adam, nadam; got 'adamw'/],
    [['train', '-e', '-1', '--out', OUT], /--epochs must be an integer ≥ 1, got '-1'/],
    [['train', '-o', 'momentum', '-m', '1.5', '--out', OUT, ...SLICE], /momentum = 1\.5 is invalid; expected a number in \[0, 1\)/],
    [['train', '--data-dir', '/no/such/dir', '--out', OUT], /dataDir not found/],
    [['predict', '--index', '0'], /--index must be an integer in 1\.\.70000, got '0'/],
    [['predict', '--index', '70001'], /--index must be an integer in 1\.\.70000, got '70001'/],
    [['predict', '--index', '5', '--model', '/no/such/model.snet'], /model file \/no\/such\/model.snet does not exist/],
    [['confusion', '--model', '/no/such/model.snet', '--out', OUT], /model file \/no\/such\/model.snet does not exist/],
    [['compare-losses', '-b', '0', '--out', OUT], /--batch_size must be an integer ≥ 1, got '0'/],
  ])('%j', (args, message) => {
    const out = join(tmp, 'bad', String(Math.random()).slice(2));
    const r = run((args as string[]).map((a) => (a === OUT ? out : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toContain('    at ');
    expect(existsSync(out)).toBe(false);
  });
});
