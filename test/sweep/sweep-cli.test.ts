// The two commands as a user runs them: the assignment's sweep file for a few tiny trials, then
// `report` with no flags (the newest sweep); and a bad sweep file refused before anything runs.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'bin', 'scratchnet.js');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120000 });

test('sweep examples/sweeps/assignment.yaml --count 3, then report', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'scratchnet-sweepcli-'));
  const s = run(['sweep', join(ROOT, 'examples', 'sweeps', 'assignment.yaml'), '--count', '3', '--workers', '2', '--train-limit', '600', '--test-limit', '100'], cwd);
  expect([s.status, s.stderr]).toEqual([0, '']);
  expect(s.stdout).toMatch(/^sweep \w+ {2}bayes, 3 trials, 2 workers/);
  expect(s.stdout).toMatch(/\nbest: t000\d {2}val_accuracy 0\.\d{4} {2}test_accuracy 0\.\d{4}\nreproduce: npx scratchnet train .*--train-limit 600 --test-limit 100\n/);
  const sweeps = readdirSync(join(cwd, 'runs', 'scratchnet', 'sweeps'));
  expect(sweeps).toHaveLength(1);
  const state = JSON.parse(readFileSync(join(cwd, 'runs', 'scratchnet', 'sweeps', sweeps[0]), 'utf8'));
  expect(state.trials.map((t: { state: string }) => t.state)).toEqual(['finished', 'finished', 'finished']);
  const r = run(['report'], cwd);
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toContain(`sweep ${state.id} (assignment): 3 runs`);
  for (const f of ['report.html', 'report-scatter.svg', 'report-scatter.png', 'report-parallel.svg', 'report-parallel.png', 'report-importance.svg', 'report-importance.png']) {
    expect(existsSync(join(cwd, f))).toBe(true);
  }
});

test('a bad sweep file is refused, naming the key, and nothing is written', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'scratchnet-sweepbad-'));
  writeFileSync(join(cwd, 'bad.yaml'), 'method: bayes\nmetric: {name: val_accuracy, goal: maximize}\nparameters:\n  epochs: {values: [1]}\n  activation: {values: [relu, swish]}\n');
  const r = run(['sweep', 'bad.yaml', '--count', '2'], cwd);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe("scratchnet: sweep config: parameters.activation: --activation must be one of identity, sigmoid, tanh, ReLU; got 'swish'\n");
  expect(readdirSync(cwd)).toEqual(['bad.yaml']);
  const missing = run(['sweep', '--resume', 'nope1234'], cwd);
  expect([missing.status, missing.stderr]).toEqual([1, 'scratchnet: no sweep \'nope1234\' under runs/*/sweeps/ (list them with: ls runs/*/sweeps)\n']);
});
