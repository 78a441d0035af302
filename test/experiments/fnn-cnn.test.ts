// End to end: `scratchnet fnn-cnn` as a user runs it (node dist/bin/scratchnet.js, built by `npm test`'s
// pretest), on a tiny slice of MNIST: architecture with parameter counts, one line per epoch, the JSON
// result, the figure and table, saved models that `predict` and `confusion` accept, and bad flags.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-fnn-cnn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 300000 });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const SLICE = ['--train-limit', '256', '--test-limit', '100'];

describe('fnn-cnn, PyTorch variant, both models', () => {
  const out = join(tmp, 'run');
  const models = join(tmp, 'models');
  let r: ReturnType<typeof run>;
  let json: Record<string, any>;
  beforeAll(() => {
    // Batch 16: 32 steps, enough for the batch-norm running statistics to be worth evaluating with.
    r = run(['fnn-cnn', '--epochs', '2', '--batch-size', '16', '--seed', '3', '--out', out, '--save-model', models, '--json', ...SLICE]);
    expect([r.code, r.stderr.includes('    at ')]).toEqual([0, false]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    json = JSON.parse(lines[0]);
  });
  test('prints both architectures with their parameter counts (as PyTorch counts them)', () => {
    // FNN: 784·128+128 + 2·128 + 128·64+64 + 2·64 + 64·10+10 = 109,770; CNN: 320 + 64 + 18,496 + 128 + 401,536 + 256 + 1,290 = 422,090.
    expect(r.stderr).toMatch(/FNN architecture:[\s\S]*Total params: 109770/);
    expect(r.stderr).toMatch(/CNN architecture:[\s\S]*Conv2D[\s\S]*BatchNormalization[\s\S]*MaxPooling2D[\s\S]*Dropout[\s\S]*Total params: 422090/);
    expect(json.runs.map((m: { params: number }) => m.params)).toEqual([109770, 422090]);
  });
  test('one line per epoch per model, then the test accuracy of each', () => {
    expect(r.stderr.match(/^FNN epoch [12]\/2 {2}loss [\d.]+ {2}accuracy [\d.]+ {2}val_loss [\d.]+ {2}val_accuracy [\d.]+ {2}[\d.]+s$/gm)).toHaveLength(2);
    expect(r.stderr.match(/^CNN epoch [12]\/2 /gm)).toHaveLength(2);
    expect(r.stderr).toMatch(/FNN: test accuracy [\d.]+% \(100 images\)/);
  });
  test('JSON: the config, per-epoch curves, test metrics; the figure and table are written', () => {
    expect(json.config).toMatchObject({ variant: 'pytorch', epochs: 2, batchSize: 16, learningRate: 0.1, weightDecay: 1e-4, weightDecayOn: 'all', validationSplit: 0, models: ['fnn', 'cnn'] });
    expect([json.numTrain, json.numValidation, json.numTest]).toEqual([256, 0, 100]);
    for (const m of json.runs) {
      for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds']) expect([k, m[k].length]).toEqual([k, 2]);
      expect(m.test_accuracy).toBeGreaterThan(0.3); // 10 classes: chance is 0.1
    }
    expect(readFileSync(join(out, 'comparison.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toMatch(/\| CNN \(pytorch\) \| 422,090 \| 2 \|/);
  });
  test('predict and confusion read the saved CNN', () => {
    const cnn = join(models, 'cnn.scratchnet');
    expect(existsSync(cnn)).toBe(true);
    const p = run(['predict', '--index', '60001', '--model', cnn, '--dataset', 'mnist', '--json']);
    expect(p.code).toBe(0);
    const probs = Object.values(JSON.parse(p.stdout).probabilities as Record<string, number>);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const c = run(['confusion', '--model', cnn, '--dataset', 'mnist', '--test-limit', '100', '--out', join(tmp, 'confusion'), '--json']);
    expect(c.code).toBe(0);
    // The saved model's accuracy on the same 100 test images, as fnn-cnn reported it.
    expect(JSON.parse(c.stdout).test_accuracy).toBeCloseTo(json.runs[1].test_accuracy, 10);
  });
});

test('fnn-cnn --variant keras --model cnn: the seed\'s Keras CNN, validation split 0.1', () => {
  const r = run(['fnn-cnn', '--variant', 'keras', '--model', 'cnn', '--epochs', '1', '--out', join(tmp, 'keras'), '--json', ...SLICE]);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout);
  expect(json.config).toMatchObject({ variant: 'keras', epochs: 1, batchSize: 128, validationSplit: 0.1, weightDecay: 0, weightDecayOn: 'kernels', models: ['cnn'] });
  // Conv 8 2×2 (40) + Conv 8 2×2 (264) + Dense 10 on 14·14·8 (15,690): the seed's model.summary() total.
  expect(json.runs.map((m: { params: number }) => m.params)).toEqual([15994]);
  expect([json.numTrain, json.numValidation]).toEqual([230, 26]);
});

test.each([
  [['--variant', 'tensorflow'], /--variant must be one of pytorch, keras; got 'tensorflow'/],
  [['--model', 'rnn'], /--model must be one of fnn, cnn, both; got 'rnn'/],
  [['--validation-split', '1'], /--validation-split must be a number in \[0, 1\), got '1'/],
  [['--weight-decay', '-1'], /--weight-decay must be a number ≥ 0, got '-1'/],
  [['--weight-decay-on', 'biases'], /--weight-decay-on must be one of kernels, all; got 'biases'/],
])('bad flag %j is refused with a clear message', (args, pattern) => {
  const out = join(tmp, 'bad');
  const r = run(['fnn-cnn', ...args, '--out', out]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(existsSync(out)).toBe(false);
});
