// As a user who installs from npm: `npm pack` this project (dist/ as `npm test` built it), install the
// tarball into an empty folder, and load a data set there. The package has no data/, so the files come
// from the loopback mirror (SCRATCHNET_DATA_MIRRORS) into the cache folder, checked, the way they would
// come from the official mirrors. The install uses npm's cache first (--prefer-offline): after `npm ci`
// every dependency is in it, so only the npm registry could ever be asked.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDX_FILE_NAMES, findPackageRoot } from '../../lib/node/data';
import { startMirror, type Mirror } from './mirror';

const root = findPackageRoot();
let mirror: Mirror;
let tmp: string;
let app: string;

/** The environment of a user's shell: none of our variables unless a test sets them. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...extra };
  for (const k of ['SCRATCHNET_DATA_DIR', 'SCRATCHNET_DATA_MIRRORS', 'XDG_CACHE_HOME']) if (!(k in extra)) delete env[k];
  return env;
}

/** Runs a script with node inside the app folder, as `node script.js` would there. */
function runNode(code: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', code], { cwd: app, encoding: 'utf8', env: userEnv(env), timeout: 120_000 });
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'scratchnet-pack-'));
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp, '--json'], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const tarball = join(tmp, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`npm install of the packed tarball failed: ${install.stderr}`);
}, 300_000);

beforeAll(async () => {
  mirror = await startMirror();
});

afterAll(() => {
  mirror?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const LOAD = `
  const { loadDataset } = require('scratchnet');
  const ds = loadDataset(process.argv[1] || 'mnist', { limit: { train: 500, test: 100 } });
  console.log(JSON.stringify({ dir: ds.dataDir, n: [ds.numTrain, ds.numTest], first: Array.from(ds.trainLabels.slice(0, 10)) }));
`;

test('the installed package has no data/', () => {
  expect(existsSync(join(app, 'node_modules', 'scratchnet', 'dist', 'lib', 'node', 'fetch-main.js'))).toBe(true);
  expect(existsSync(join(app, 'node_modules', 'scratchnet', 'data'))).toBe(false);
});

test('loadDataset fetches into SCRATCHNET_DATA_DIR on first use, then reads the cache without asking again', async () => {
  const cache = join(tmp, 'cache');
  const env = { SCRATCHNET_DATA_DIR: cache, SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/404, http://127.0.0.1:${mirror.port}/good` };
  const first = runNode(LOAD, env);
  expect(first.stderr).not.toContain('Error');
  expect(first.status).toBe(0);
  const out = JSON.parse(first.stdout);
  expect(out.dir).toBe(join(cache, 'mnist'));
  expect(out.n).toEqual([500, 100]);
  expect(out.first).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]); // MNIST's first ten training labels
  expect(readdirSync(join(cache, 'mnist')).sort()).toEqual(Object.values(IDX_FILE_NAMES).map((f) => f + '.gz').sort());
  const before = await mirror.stats();
  expect(before['/good/mnist/train-images-idx3-ubyte.gz']).toBe(1);
  expect(runNode(LOAD, env).status).toBe(0);
  expect(await mirror.stats()).toEqual(before);

  // `scratchnet data --verify` from the installed bin shows the cache and checks it.
  const bin = join(app, 'node_modules', '.bin', 'scratchnet');
  const data = spawnSync(bin, ['data', '--verify'], { cwd: app, encoding: 'utf8', env: userEnv(env) });
  expect(data.status).toBe(0);
  expect(data.stdout).toContain('mnist (MNIST): the download cache (fetched on first use)');
  expect(data.stdout).toContain(join(cache, 'mnist'));
  expect(data.stdout).toMatch(/train-images-idx3-ubyte +ok/);
  expect(data.stdout).toMatch(/fashion_mnist[^]*t10k-labels-idx1-ubyte +missing \(fetched on first use, or now with --fetch\)/);
  expect(data.stdout).toContain(`mirrors, in order: http://127.0.0.1:${mirror.port}/404/fashion-mnist/ http://127.0.0.1:${mirror.port}/good/fashion-mnist/`);
});

test('without SCRATCHNET_DATA_DIR the cache is ~/.cache/scratchnet (or $XDG_CACHE_HOME/scratchnet)', () => {
  const home = join(tmp, 'home');
  mkdirSync(home);
  const r = runNode(LOAD, { HOME: home, SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/redirect` });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).dir).toBe(join(home, '.cache', 'scratchnet', 'mnist'));
  const xdg = join(tmp, 'xdg');
  const x = runNode(LOAD, { HOME: home, XDG_CACHE_HOME: xdg, SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/good` });
  expect(JSON.parse(x.stdout).dir).toBe(join(xdg, 'scratchnet', 'mnist'));
});

test('no mirror delivers: the error names the file, every URL tried, and --data-dir; the cache holds nothing', () => {
  const cache = join(tmp, 'cache-broken');
  const r = runNode(LOAD.replace("process.argv[1] || 'mnist'", "'fashion_mnist'"), {
    SCRATCHNET_DATA_DIR: cache,
    SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/truncated http://127.0.0.1:${mirror.port}/corrupt`,
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("cannot fetch Fashion-MNIST's t10k-labels-idx1-ubyte.gz: every URL failed:");
  expect(r.stderr).toContain(`1. http://127.0.0.1:${mirror.port}/truncated/fashion-mnist/t10k-labels-idx1-ubyte.gz: `);
  expect(r.stderr).toContain(`2. http://127.0.0.1:${mirror.port}/corrupt/fashion-mnist/t10k-labels-idx1-ubyte.gz: checksum mismatch`);
  expect(r.stderr).toContain('pass --data-dir FOLDER');
  expect(readdirSync(join(cache, 'fashion-mnist'))).toEqual([]);
});

test('a damaged cached file: loadDataset says how to replace it, and `scratchnet data --verify --fetch` does', () => {
  const cache = join(tmp, 'cache-damaged');
  const env = { SCRATCHNET_DATA_DIR: cache, SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/good` };
  expect(runNode(LOAD, env).status).toBe(0);
  // Another data set's labels under MNIST's name: a whole, well-formed file with the wrong bytes.
  const damaged = join(cache, 'mnist', 't10k-labels-idx1-ubyte.gz');
  copyFileSync(join(root, 'data', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'), damaged);
  const load = runNode(LOAD, env);
  expect(load.status).not.toBe(0);
  expect(load.stderr).toContain(`${damaged}: checksum mismatch`);
  expect(load.stderr).toContain('`npx scratchnet data --verify --fetch` replaces it');
  const bin = join(app, 'node_modules', '.bin', 'scratchnet');
  const check = spawnSync(bin, ['data', '-d', 'mnist', '--verify'], { cwd: app, encoding: 'utf8', env: userEnv(env) });
  expect(check.status).toBe(1);
  expect(check.stdout).toMatch(/t10k-labels-idx1-ubyte +mismatch: SHA-256 /);
  const fix = spawnSync(bin, ['data', '-d', 'mnist', '--verify', '--fetch'], { cwd: app, encoding: 'utf8', env: userEnv(env) });
  expect(fix.status).toBe(0);
  expect(fix.stdout).toMatch(/t10k-labels-idx1-ubyte +ok/);
  expect(runNode(LOAD, env).status).toBe(0);
});
