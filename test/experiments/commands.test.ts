// End to end: `scratchnet ayla`, `dynamic-loss` and `custom-layer` run as a user runs them
// (node dist/bin/scratchnet.js, built by `npm test`'s pretest or `npm run build`), on tiny slices
// of MNIST so the whole file takes seconds: JSON shape, figures written, stdin answers, errors.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-seeds-'));

function run(args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120000, ...opts });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs with --json; expects success and exactly one JSON object on stdout. */
function runJson(args: string[], opts: SpawnSyncOptions = {}) {
  const r = run([...args, '--json'], opts);
  expect([r.code, r.stderr.includes('    at '), r.stderr.split('\n').filter((l) => l.startsWith('scratchnet:'))]).toEqual([0, false, []]);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { json: JSON.parse(lines[0]), stderr: r.stderr };
}

/** True when the file starts with the PNG signature. */
function isPng(file: string): boolean {
  return existsSync(file) && readFileSync(file).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

/** A failing run: exit ≠ 0, one `scratchnet:` or commander `error:` line naming the value, no stack, no output folder. */
function expectCleanFailure(args: string[], pattern: RegExp, opts: SpawnSyncOptions = {}) {
  const out = join(tmp, `fail-${Math.random().toString(36).slice(2)}`);
  const r = run([...args, '--out', out], opts);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toContain('    at ');
  expect(existsSync(out)).toBe(false);
}

const SLICE = ['--train-limit', '600', '--test-limit', '200'];

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
});

describe('ayla', () => {
  const out = join(tmp, 'ayla');
  let json: Record<string, any>;
  let stderr: string;
  beforeAll(() => {
    ({ json, stderr } = runJson(['ayla', '--epochs', '2', '--n1', '1.5', '--n2', '0.5', '--seed', '4', '--out', out, ...SLICE]));
  });
  test('JSON: config, both models with per-epoch loss, val_loss, val_accuracy, grad_norm, total time', () => {
    expect(Object.keys(json).sort()).toEqual(['ayla', 'config', 'files', 'normal', 'numTrain', 'numValidation', 'params']);
    expect(json.config).toMatchObject({ epochs: 2, n1: 1.5, n2: 0.5, rule: 'n1-above', optimizer: 'adam', epsilon: 1e-7, batchSize: 128 });
    expect([json.numTrain, json.numValidation, json.params]).toEqual([600, 200, 136074]);
    for (const m of [json.normal, json.ayla]) {
      for (const k of ['loss', 'optimized_loss', 'accuracy', 'val_loss', 'val_accuracy', 'grad_norm', 'seconds']) expect([k, m[k].length]).toEqual([k, 2]);
      // The total is the sum of the epochs' training times, each a real (positive, finite) duration.
      for (const s of m.seconds) expect(Number.isFinite(s) && s > 0).toBe(true);
      expect(m.total_seconds).toBeCloseTo(m.seconds.reduce((a: number, b: number) => a + b, 0), 9);
    }
    // Normal's optimised loss is its loss; AYLA's is the transformed one (first epoch: L > 1, so L^1.5).
    expect(json.normal.optimized_loss).toEqual(json.normal.loss);
    expect(json.ayla.optimized_loss[0]).not.toBeCloseTo(json.ayla.loss[0], 3);
    expect(stderr).toMatch(/AYLA {3}epoch 2\/2 +loss [\d.]+ \(AYLA [\d.]+\) +val_loss [\d.]+ +val_accuracy [\d.]+ +grad_norm [\d.]+/);
    expect(stderr).toMatch(/total training time: Normal [\d.]+ s, AYLA [\d.]+ s/);
  });
  test('writes SM1_acc and SM1_loss as PNG and SVG', () => {
    for (const f of ['SM1_acc', 'SM1_loss']) {
      expect(isPng(join(out, `${f}.png`))).toBe(true);
      expect(readFileSync(join(out, `${f}.svg`), 'utf8')).toContain('<svg');
    }
    expect(json.files).toHaveLength(4);
  });
  test('the same seed reruns bit-identically; both models start from the same weights', () => {
    const again = runJson(['ayla', '--epochs', '2', '--n1', '1.5', '--n2', '0.5', '--seed', '4', '--out', join(tmp, 'ayla2'), ...SLICE]).json;
    for (const k of ['loss', 'val_loss', 'val_accuracy', 'grad_norm']) {
      expect(again.normal[k]).toEqual(json.normal[k]);
      expect(again.ayla[k]).toEqual(json.ayla[k]);
    }
  });
  test("answers piped on stdin, asked with AYLA's prompts", () => {
    const r = runJson(['ayla', '--out', join(tmp, 'ayla-stdin'), '--train-limit', '300', '--test-limit', '100'], { input: '1\n2\n0.5\n' });
    expect(r.json.config).toMatchObject({ epochs: 1, n1: 2, n2: 0.5 });
    expect(r.stderr).toContain('Enter number of epochs: 1\nEnter N1 value: 2\nEnter N2 value: 0.5');
  });
  test('only the missing values are asked for', () => {
    const r = runJson(['ayla', '--epochs', '1', '--n2', '0.25', '--out', join(tmp, 'ayla-n1'), '--train-limit', '300', '--test-limit', '100'], { input: '3\n' });
    expect(r.json.config).toMatchObject({ epochs: 1, n1: 3, n2: 0.25 });
    expect(r.stderr).not.toContain('Enter number of epochs');
  });
  test('no stdin and a missing value: a clear error, no files', () => {
    expectCleanFailure(['ayla', '--n1', '1', '--n2', '1', ...SLICE], /scratchnet: no answer to 'Enter number of epochs:': standard input ended or is not readable; pass --epochs <number>/, { stdio: ['ignore', 'pipe', 'pipe'] });
    expectCleanFailure(['ayla', '--epochs', '1', ...SLICE], /no answer to 'Enter N2 value:'/, { input: '1.5\n' });
  });
  test('a bad piped answer is an error naming it', () => {
    expectCleanFailure(['ayla', ...SLICE], /bad answer to 'Enter N1 value:': N1 must be a number > 0, got 'abc'/, { input: '2\nabc\n0.5\n' });
    expectCleanFailure(['ayla', ...SLICE], /epochs must be an integer ≥ 1, got '1.5'/, { input: '1.5\n' });
  });
  test('bad flags are refused with the value and what is expected', () => {
    const base = ['ayla', '--epochs', '1', '--n1', '1', '--n2', '1'];
    expectCleanFailure(['ayla', '--epochs', 'ten'], /--epochs must be an integer ≥ 1, got 'ten'/);
    expectCleanFailure([...base, '--n1', '0'], /--n1 must be a number > 0, got '0'/);
    expectCleanFailure([...base, '--exponent-rule', 'swap'], /--exponent-rule must be one of n1-above, n1-below; got 'swap'/);
    expectCleanFailure([...base, '--optimizer', 'adamw'], /--optimizer must be one of sgd, momentum, nag, rmsprop, adam, nadam; got 'adamw'/);
    expectCleanFailure([...base, '--val-dash', 'wiggly'], /--val-dash must be solid, dashed, dotted or on,off lengths/);
    expectCleanFailure([...base, '--ayla-color', 'not a colour'], /--ayla-color must be a colour name/);
  });
});

describe('dynamic-loss', () => {
  test('class-per-step schedule: JSON log every --log-every steps, both models, three figures', () => {
    const out = join(tmp, 'dyn');
    const { json, stderr } = runJson(['dynamic-loss', '--steps', '4', '--log-every', '2', '--width', '8', '--out', out, '--train-limit', '300', '--test-limit', '100']);
    expect(json.config).toMatchObject({ schedule: 'class-per-step', steps: 4, period: 50, wMax: 1.5, width: 8, learningRate: 0.5 });
    expect(json.log.map((p: { step: number }) => p.step)).toEqual([0, 2, 3]);
    expect(Object.keys(json.log[0]).sort()).toEqual(['baseline_accuracy', 'baseline_loss', 'dynamic_accuracy', 'dynamic_loss', 'step']);
    for (const k of ['weighted_loss', 'dynamic_cross_entropy', 'baseline_cross_entropy']) expect(json.history[k]).toHaveLength(4);
    // Step 0: both models start from the same weights; the class-per-step schedule's first weights are all 1.
    expect(json.history.weighted_loss[0]).toBeCloseTo(json.history.baseline_cross_entropy[0], 5);
    for (const m of [json.dynamic, json.baseline]) {
      expect(m.first_predictions).toHaveLength(10);
      for (const p of m.first_predictions) expect(Number.isInteger(p) && p >= 0 && p <= 9).toBe(true);
      // A fraction of the 100 test images: k/100 for an integer k in 0..100 (NaN or a wrong count fails).
      const k = m.test_accuracy * 100;
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
      expect(Math.round(k) >= 0 && Math.round(k) <= 100).toBe(true);
    }
    expect(json.first_labels).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(stderr).toMatch(/Step 2, Loss: [\d.]+, Accuracy: [\d.]+% +\| +CE baseline Loss: [\d.]+, Accuracy: [\d.]+%/);
    for (const f of ['loss', 'weights', 'predictions']) expect([f, isPng(join(out, `${f}.png`))]).toEqual([f, true]);
  });
  test('class-per-period schedule with a flat last period', () => {
    const { json } = runJson(['dynamic-loss', '--schedule', 'class-per-period', '--steps', '3', '--period', '2', '--w-max', '4', '--flat-end', '--width', '4', '--out', join(tmp, 'dyn2'), '--train-limit', '200', '--test-limit', '50']);
    expect(json.config).toMatchObject({ schedule: 'class-per-period', period: 2, wMax: 4, flatEnd: true });
    expect(json.history.weighted_loss).toHaveLength(3);
  });
  test('bad flags are refused', () => {
    expectCleanFailure(['dynamic-loss', '--w-max', '0.5'], /--w-max must be a number ≥ 1, got '0.5'/);
    expectCleanFailure(['dynamic-loss', '--steps', '-3'], /--steps must be an integer ≥ 1, got '-3'/);
    expectCleanFailure(['dynamic-loss', '--schedule', 'cosine'], /--schedule must be one of class-per-step, class-per-period; got 'cosine'/);
    expectCleanFailure(['dynamic-loss', '--learning-rate', 'fast'], /--learning-rate must be a number > 0, got 'fast'/);
  });
});

describe('custom-layer', () => {
  test('JSON: both models, per-epoch validation curves, test accuracy on the three digits; comparison figure', () => {
    const out = join(tmp, 'custom');
    const { json, stderr } = runJson(['custom-layer', '--epochs', '2', '--out', out, '--train-limit', '1000', '--test-limit', '300']);
    expect(json.config).toMatchObject({ classes: [0, 2, 5], epochs: 2, batchSize: 32, learningRate: 0.01, validationSplit: 0.2 });
    // The first 1000 training images hold 97 zeros, 99 twos, 92 fives: 288 → 230 train + 58 validation.
    expect(json.numTrain + json.numValidation).toBeGreaterThan(200);
    expect(json.numValidation).toBe(json.numTrain + json.numValidation - Math.floor((json.numTrain + json.numValidation) * 0.8));
    expect(json.custom.params).toBe(784 * 150 + 150 + 150 * 100 + 100 + 2 * 100 * 50 + 50 + 50 * 3 + 3);
    expect(json.simple.params).toBe(784 * 100 + 100 + 100 * 50 + 50 + 50 * 3 + 3);
    for (const m of [json.custom, json.simple]) {
      expect(m.val_loss).toHaveLength(2);
      expect(m.val_accuracy).toHaveLength(2);
      expect(m.test_accuracy).toBeGreaterThan(0.4);
    }
    expect(stderr).toMatch(/model A \(custom layer\): test accuracy [\d.]+%/);
    expect(isPng(join(out, 'comparison.png'))).toBe(true);
  });
  test('bad flags are refused', () => {
    expectCleanFailure(['custom-layer', '--classes', '0,0'], /--classes must be two or more distinct digits/);
    expectCleanFailure(['custom-layer', '--validation-split', '1'], /--validation-split must be a number in \(0, 1\), got '1'/);
    expectCleanFailure(['custom-layer', '--epochs', '0'], /--epochs must be an integer ≥ 1, got '0'/);
  });
});
