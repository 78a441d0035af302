// The report's numbers: Pearson's r, the random forest's importance, the train line, and a project
// report built from real run records (a finished and a diverged `train` run) through the CLI.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../lib/rng';
import { forestImportance, pearson } from '../../lib/sweep/report/importance';
import { trainLine } from '../../lib/node/sweep/sweep';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';

test("Pearson's r: perfect, anti, none, and a value computed by hand", () => {
  expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
  expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  expect(pearson([1, 2, 3], [5, 5, 5])).toBe(0);
  // x = [1,2,3,4], y = [1,3,2,4]: cov 1.25·… → r = 0.8 exactly.
  expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
});

test('the forest gives the importance to the feature y depends on', () => {
  const rng = new Rng(3);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    const row = [rng.uniform(), rng.uniform(), rng.int(4)];
    X.push(row);
    y.push(row[2] === 1 ? 1 : 0.1 * row[0]); // feature 2 decides, feature 0 a little, feature 1 nothing
  }
  const imp = forestImportance(X, y, { trees: 50, seed: 1 });
  expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  // Impurity importance leans toward features with many distinct values (feature 0 is continuous and
  // has a real but small effect), so feature 2 gets most of it rather than nearly all.
  expect(imp[2]).toBeGreaterThan(0.6);
  expect(imp[0]).toBeGreaterThan(imp[1]);
  expect(forestImportance(X, y.map(() => 0.5))).toEqual([0, 0, 0]); // nothing to explain
});

test('the train line names only what differs from the defaults, and the data limits', () => {
  expect(trainLine({ ...DEFAULT_CONFIG, optimizer: 'nag', learning_rate: 0.01 }, { trainLimit: 5000 }))
    .toBe('npx scratchnet train --optimizer nag --learning_rate 0.01 --train-limit 5000');
  expect(trainLine(DEFAULT_CONFIG)).toBe('npx scratchnet train');
});

test('report --project: every run record of a project, with its status, and the best run', () => {
  const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
  const runs = mkdtempSync(join(tmpdir(), 'scratchnet-proj-'));
  const train = (extra: string[]) => spawnSync(process.execPath, [BIN, 'train', '--epochs', '2', '--num_layers', '1', '--hidden_size', '16', '--train-limit', '600', '--test-limit', '100', '--out', runs, ...extra], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  expect(train(['--learning_rate', '0.001']).status).toBe(0);
  expect(train(['--optimizer', 'sgd', '--learning_rate', '1e6']).status).toBe(1);
  const out = join(runs, 'r', 'report.html');
  const r = spawnSync(process.execPath, [BIN, 'report', '--project', 'scratchnet', '--runs', runs, '--out', out, '--json'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`wrote ${out}`); // with --json the lines go to stderr
  const json = JSON.parse(r.stdout);
  expect(json.files).toHaveLength(7);
  for (const f of json.files) expect(existsSync(f)).toBe(true);
  expect(json.best.trainLine).toBe('npx scratchnet train --epochs 2 --learning_rate 0.001 --num_layers 1 --hidden_size 16');
  const data = JSON.parse(/const DATA = (.*);\n/.exec(readFileSync(out, 'utf8'))![1]);
  expect(data.rows.map((x: { state: string }) => x.state).sort()).toEqual(['diverged', 'finished']);
  expect(data.params.map((p: { name: string }) => p.name).sort()).toEqual(['learning_rate', 'optimizer']);
});
