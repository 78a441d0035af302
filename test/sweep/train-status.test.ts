// `train` records how a run ended in status.json: finished, or diverged with the message.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const train = (out: string, extra: string[]) =>
  spawnSync(process.execPath, [BIN, 'train', '--epochs', '1', '--num_layers', '1', '--hidden_size', '16', '--train-limit', '500', '--test-limit', '100', '--out', out, ...extra], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const statusOf = (out: string) => {
  const dir = join(out, 'scratchnet');
  const runs = readdirSync(dir);
  expect(runs).toHaveLength(1);
  return { files: readdirSync(join(dir, runs[0])).sort(), status: JSON.parse(readFileSync(join(dir, runs[0], 'status.json'), 'utf8')) };
};

test('a run that diverges says so, with the message', () => {
  const out = mkdtempSync(join(tmpdir(), 'scratchnet-div-'));
  const r = train(out, ['--optimizer', 'sgd', '--learning_rate', '1e6']);
  expect(r.status).toBe(1);
  const { files, status } = statusOf(out);
  expect(status.state).toBe('diverged');
  expect(status.message).toMatch(/^training diverged: the loss became NaN at epoch 1/);
  expect(files).toEqual(['config.json', 'metrics.jsonl', 'status.json'].filter((f) => files.includes(f)));
  expect(files).not.toContain('summary.json');
});

test('a run that finishes says finished, beside its summary', () => {
  const out = mkdtempSync(join(tmpdir(), 'scratchnet-fin-'));
  expect(train(out, []).status).toBe(0);
  const { files, status } = statusOf(out);
  expect(status.state).toBe('finished');
  expect(files).toEqual(['config.json', 'metrics.jsonl', 'status.json', 'summary.json']);
});
