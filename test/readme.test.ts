// The README's code must run: its MLP example is examples/train-mlp.ts verbatim; this test checks
// the two agree and runs the example (with the package name mapped to the local build).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');

test('the README shows examples/train-mlp.ts verbatim', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = readFileSync(join(root, 'examples', 'train-mlp.ts'), 'utf8');
  const body = example.split('\n').slice(1).join('\n').trim(); // minus the file's comment line
  expect(readme).toContain(body);
});

test('the example trains, reports a sensible accuracy and saves the model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-readme-'));
  const src = readFileSync(join(root, 'examples', 'train-mlp.ts'), 'utf8')
    .replace("from 'scratchnet'", `from ${JSON.stringify(join(root, 'dist', 'lib'))}`)
    .replace(/^import /m, 'const __x = 0; import ');
  // Compile-free: the example only uses syntax that is also JavaScript once the import is a require.
  const js = src.replace(/^const __x = 0; import \{([^}]+)\} from ("[^"]+");/m, 'const {$1} = require($2);');
  writeFileSync(join(dir, 'example.js'), js);
  const r = spawnSync(process.execPath, ['example.js'], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const acc = Number(/test accuracy ([\d.]+)/.exec(r.stdout)?.[1]);
  expect(acc).toBeGreaterThan(0.75);
  expect(existsSync(join(dir, 'fashion-mlp.snet'))).toBe(true);
});
