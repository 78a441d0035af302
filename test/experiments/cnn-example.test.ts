// docs/cnn.md's CNN example must run: it is examples/train-cnn.ts verbatim; this test checks the two
// agree and runs the example (with the package name mapped to the local build).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

test('docs/cnn.md shows examples/train-cnn.ts verbatim', () => {
  const doc = readFileSync(join(root, 'docs', 'cnn.md'), 'utf8');
  const example = readFileSync(join(root, 'examples', 'train-cnn.ts'), 'utf8');
  expect(doc).toContain(example.split('\n').slice(1).join('\n').trim());
});

test('the README shows the CNN example\'s import, data and model lines verbatim', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const lines = readFileSync(join(root, 'examples', 'train-cnn.ts'), 'utf8').split('\n');
  const from = lines.findIndex((l) => l.startsWith('const ds'));
  const to = lines.findIndex((l) => l.startsWith('model.compile'));
  expect(from).toBeGreaterThan(0);
  expect(to).toBeGreaterThan(from);
  expect(readme).toContain([lines[1], ...lines.slice(from, to + 1)].join('\n'));
  expect(readme).toContain(lines.find((l) => l.startsWith('const history = model.fit('))!.replace('const history = ', ''));
});

test('the CNN example trains, beats chance by far, and reloads exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-cnn-example-'));
  try {
    const src = readFileSync(join(root, 'examples', 'train-cnn.ts'), 'utf8');
    const js = src.replace(/^import \{([^}]+)\} from 'scratchnet';/m, (_m, names: string) => `const {${names}} = require(${JSON.stringify(join(root, 'dist', 'lib'))});`);
    writeFileSync(join(dir, 'example.js'), js);
    const r = spawnSync(process.execPath, ['example.js'], { cwd: dir, encoding: 'utf8', timeout: 300000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/conv2d_\d+ \(Conv2D\) +\(None, 28, 28, 8\) +80/);
    expect(Number(/test accuracy ([\d.]+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0.7);
    expect(r.stdout).toContain('reloaded model predicts identically: true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
