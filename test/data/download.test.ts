// The download path npm installs use (no data/ folder), exercised offline against a loopback server that
// serves the shipped files and misbehaves the ways real mirrors do: 404, redirects, cut connections,
// short bodies, corrupted bytes, stalls. Also: the cache location rules, the lock that lets several
// processes share one cache, and that no failure leaves anything but whole, verified files.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATASET_MIRRORS,
  DatasetFetchError,
  IDX_FILE_NAMES,
  dataCacheRoot,
  fetchDataset,
  fetchDatasetSync,
  findPackageRoot,
  loadDataset,
  maybeGunzip,
  mirrorBases,
  sha256Hex,
  shippedChecksums,
} from '../../lib/node/data';
import { startMirror, type Mirror } from './mirror';

const FILES = Object.values(IDX_FILE_NAMES).map((f) => f + '.gz').sort();
const quiet = { progress: false } as const;

let mirror: Mirror;
let tmp: string;
let n = 0;
/** A fresh, empty cache root for each test. */
const freshRoot = () => join(tmp, `cache-${n++}`);

beforeAll(async () => {
  mirror = await startMirror();
  tmp = mkdtempSync(join(tmpdir(), 'scratchnet-dl-'));
});
afterAll(() => {
  mirror.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every file in a folder, dotfiles (temps, the lock) included. */
const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** Each cached file's decompressed SHA-256 equals the recorded one. */
function expectVerified(dir: string, name: 'mnist' | 'fashion_mnist'): void {
  const sums = shippedChecksums(name);
  for (const [part, file] of Object.entries(IDX_FILE_NAMES)) {
    const p = join(dir, file + '.gz');
    expect(sha256Hex(maybeGunzip(readFileSync(p), p))).toBe(sums[part as keyof typeof sums]);
  }
}

/** Runs fetchDataset expecting a DatasetFetchError; returns it. */
async function fetchFails(root: string, mirrors: string[], timeoutMs?: number): Promise<DatasetFetchError> {
  const err = await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors, timeoutMs }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetFetchError);
  return err as DatasetFetchError;
}

describe('where the cache is and which mirrors are asked', () => {
  const home = '/home/u';
  test('SCRATCHNET_DATA_DIR wins everywhere', () => {
    for (const p of ['linux', 'darwin', 'win32'] as const) expect(dataCacheRoot({ SCRATCHNET_DATA_DIR: '/data/x' }, p, home)).toBe('/data/x');
  });
  test('Linux: XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    expect(dataCacheRoot({}, 'linux', home)).toBe('/home/u/.cache/scratchnet');
    expect(dataCacheRoot({ XDG_CACHE_HOME: '/xdg' }, 'linux', home)).toBe('/xdg/scratchnet');
    expect(dataCacheRoot({ XDG_CACHE_HOME: 'relative' }, 'linux', home)).toBe('/home/u/.cache/scratchnet');
  });
  test('macOS and Windows use their own cache folders', () => {
    expect(dataCacheRoot({}, 'darwin', home)).toBe('/home/u/Library/Caches/scratchnet');
    expect(dataCacheRoot({ LOCALAPPDATA: 'C:/Users/u/AppData/Local' }, 'win32', home)).toBe(join('C:/Users/u/AppData/Local', 'scratchnet', 'Cache'));
  });
  test('the official mirrors by default; SCRATCHNET_DATA_MIRRORS replaces them, laid out like data/', () => {
    expect(mirrorBases('mnist', 'mnist', {})).toEqual(DATASET_MIRRORS.mnist);
    expect(mirrorBases('fashion_mnist', 'fashion-mnist', {})[0]).toBe('https://storage.googleapis.com/tensorflow/tf-keras-datasets/');
    expect(mirrorBases('fashion_mnist', 'fashion-mnist', { SCRATCHNET_DATA_MIRRORS: 'http://a/x/, http://b' })).toEqual([
      'http://a/x/fashion-mnist/',
      'http://b/fashion-mnist/',
    ]);
  });
});

describe('fetchDataset against the loopback mirror', () => {
  test('fetches the four files, verified, and a second call asks nothing', async () => {
    const root = freshRoot();
    const first = await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')] });
    expect(first.dir).toBe(join(root, 'mnist'));
    expect(first.files.map((f) => f.url)).toEqual(first.files.map((f) => mirror.base('good') + f.file + '.gz'));
    expect(listing(first.dir)).toEqual(FILES); // no temp file, no lock left
    expectVerified(first.dir, 'mnist');
    const before = await mirror.stats();
    const again = await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')] });
    expect(again.files.every((f) => f.url === null)).toBe(true);
    expect(await mirror.stats()).toEqual(before);
    const ds = loadDataset('mnist', { dataDir: first.dir, limit: { train: 100, test: 10 } });
    expect([ds.numTrain, ds.numTest]).toEqual([100, 10]);
  });

  test('a 404 on the first mirror falls through to the next; redirects are followed', async () => {
    const root = freshRoot();
    const r = await fetchDataset('fashion_mnist', {
      ...quiet,
      cacheRoot: root,
      mirrors: [mirror.base('404', 'fashion-mnist'), mirror.base('redirect', 'fashion-mnist')],
    });
    expect(r.files.every((f) => f.url!.startsWith(mirror.base('redirect', 'fashion-mnist')))).toBe(true);
    const stats = await mirror.stats();
    expect(stats['/404/fashion-mnist/t10k-labels-idx1-ubyte.gz']).toBe(1);
    expect(stats['/good/fashion-mnist/train-images-idx3-ubyte.gz']).toBe(1);
    expectVerified(r.dir, 'fashion_mnist');
  });

  test('a connection cut before Content-Length is reached: a clear error, nothing left in the cache', async () => {
    const root = freshRoot();
    const e = await fetchFails(root, [mirror.base('truncated')]);
    expect(e.file).toBe('t10k-labels-idx1-ubyte');
    expect(e.message).toContain(`${mirror.base('truncated')}t10k-labels-idx1-ubyte.gz`);
    expect(e.tried[0].reason).toMatch(/incomplete|connection lost/);
    expect(e.tried[0].reason).toContain('of 4517 bytes');
    expect(listing(join(root, 'mnist'))).toEqual([]);
  });

  test('a body that ends early with no Content-Length fails the gzip check', async () => {
    const root = freshRoot();
    const e = await fetchFails(root, [mirror.base('short')]);
    expect(e.tried[0].reason).toMatch(/^not a whole gzip file/);
    expect(listing(join(root, 'mnist'))).toEqual([]);
  });

  test('a well-formed file with other bytes fails its checksum, and the message says how to place files by hand', async () => {
    const root = freshRoot();
    const e = await fetchFails(root, [mirror.base('corrupt')]);
    expect(e.tried[0].reason).toContain(`expected ${shippedChecksums('mnist').testLabels}`);
    expect(e.message).toContain('--data-dir FOLDER');
    expect(e.message).toContain(join(root, 'mnist'));
    expect(listing(join(root, 'mnist'))).toEqual([]);
  });

  test('a stalled server times out', async () => {
    const root = freshRoot();
    const e = await fetchFails(root, [mirror.base('slow')], 300);
    expect(e.tried[0].reason).toBe('timed out: no data for 0.3 s, 100 of 4517 bytes received');
    expect(listing(join(root, 'mnist'))).toEqual([]);
  });

  test('no network: every URL is listed, in order, with its reason', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${port}/good/mnist/`;
    const e = await fetchFails(freshRoot(), [dead, mirror.base('404'), 'ftp://example.invalid/']);
    expect(e.tried.map((t) => t.url)).toEqual([dead, mirror.base('404'), 'ftp://example.invalid/'].map((b) => b + 't10k-labels-idx1-ubyte.gz'));
    expect(e.tried[0].reason).toContain('ECONNREFUSED');
    expect(e.tried[1].reason).toBe('HTTP 404 Not Found');
    expect(e.tried[2].reason).toContain('unsupported protocol ftp:');
    expect(e.message).toMatch(/1\. http.*\n {2}2\. http.*404.*\n {2}3\. ftp/);
  });

  test('files fetched before a failure stay (they are verified); the failed one is not written', async () => {
    const root = freshRoot();
    const dir = join(root, 'mnist');
    mkdirSync(dir, { recursive: true });
    // The first two files (the labels) come from a good mirror; the images then only from a broken one.
    await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')] });
    for (const f of ['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz']) rmSync(join(dir, f));
    const e = await fetchFails(root, [mirror.base('truncated')]);
    expect(e.file).toBe('t10k-images-idx3-ubyte');
    expect(listing(dir)).toEqual(['t10k-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  });
});

describe('synchronous fetch (what loadDataset uses) and several processes at once', () => {
  const fetchMain = () => join(findPackageRoot(), 'dist', 'lib', 'node', 'fetch-main.js');

  test('fetchDatasetSync fetches through a child process, and passes its error back', () => {
    const root = freshRoot();
    const r = fetchDatasetSync('mnist', { cacheRoot: root, mirrors: [mirror.base('good')], progress: false });
    expect(r.dir).toBe(join(root, 'mnist'));
    expectVerified(r.dir, 'mnist');
    expect(() => fetchDatasetSync('mnist', { cacheRoot: freshRoot(), mirrors: [mirror.base('404')], progress: false })).toThrow(
      /cannot fetch MNIST's t10k-labels-idx1-ubyte\.gz: every URL failed:\n {2}1\. http:\/\/127\.0\.0\.1:\d+\/404\/mnist\/t10k-labels-idx1-ubyte\.gz: HTTP 404/,
    );
  });

  test('four processes fetching into one cache at once: each file downloaded once, the cache whole', async () => {
    const root = freshRoot();
    const request = JSON.stringify({ name: 'mnist', options: { cacheRoot: root, mirrors: [mirror.base('throttle')], progress: false } });
    const before = await mirror.stats();
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const c = spawn(process.execPath, [fetchMain(), request], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            c.stdout.on('data', (d: Buffer) => (out += d.toString()));
            c.on('exit', (code) => resolve({ code, out }));
          }),
      ),
    );
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).ok).toBe(true);
    }
    const after = await mirror.stats();
    for (const f of FILES) expect((after[`/throttle/mnist/${f}`] ?? 0) - (before[`/throttle/mnist/${f}`] ?? 0)).toBe(1);
    // One process downloaded each file; the other three found it in place.
    const downloaded = runs.map((r) => (JSON.parse(r.out).result.files as { url: string | null }[]).filter((f) => f.url).length);
    expect(downloaded.reduce((a, b) => a + b, 0)).toBe(4);
    expect(listing(join(root, 'mnist'))).toEqual(FILES);
    expectVerified(join(root, 'mnist'), 'mnist');
  });

  test('a process killed mid-download leaves no file in place; the next one takes over its lock', async () => {
    const root = freshRoot();
    const dir = join(root, 'mnist');
    const request = JSON.stringify({ name: 'mnist', options: { cacheRoot: root, mirrors: [mirror.base('slow')], progress: false } });
    const c = spawn(process.execPath, [fetchMain(), request], { stdio: 'ignore' });
    // Wait until it holds the lock and is receiving, then kill it without warning.
    for (let i = 0; i < 200 && !listing(dir).some((f) => f.includes('.tmp-')); i++) await new Promise((r) => setTimeout(r, 25));
    expect(listing(dir)).toContain('.lock');
    c.kill('SIGKILL');
    await new Promise((r) => c.on('exit', r));
    expect(listing(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    // The lock names a dead process on this host: it is taken over at once (not after lockStaleMs).
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'))).toEqual({ pid: c.pid, host: hostname() });
    const r = await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')], lockStaleMs: 3_600_000 });
    expect(r.files.every((f) => f.url !== null)).toBe(true);
    // Its temporary file is still fresh, so it stays (a dotfile the loader never reads) until it is stale.
    expect(listing(dir).filter((f) => !f.includes('.tmp-'))).toEqual(FILES);
  });

  test('a live process on this machine keeps its lock however old; a lock from another machine expires', async () => {
    const root = freshRoot();
    const dir = join(root, 'mnist');
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, '.lock');
    const old = Date.now() / 1000 - 3600;
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname() })); // alive: this very process
    utimesSync(lock, old, old);
    let done = false;
    const fetching = fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')], lockStaleMs: 10 }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 600));
    expect(done).toBe(false); // still waiting
    expect(listing(dir)).toEqual(['.lock']);
    rmSync(lock); // the holder finishes
    await fetching;
    expect(listing(dir)).toEqual(FILES);

    const other = join(freshRoot(), 'mnist');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, '.lock'), JSON.stringify({ pid: process.pid, host: 'another-machine' }));
    utimesSync(join(other, '.lock'), old, old);
    await fetchDataset('mnist', { ...quiet, cacheRoot: join(other, '..'), mirrors: [mirror.base('good')], lockStaleMs: 60_000 });
    expect(listing(other)).toEqual(FILES);
  });

  test('temporary files left by a dead process are removed once they are older than lockStaleMs', async () => {
    const root = freshRoot();
    const dir = join(root, 'mnist');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.train-images-idx3-ubyte.tmp-1-abc'), 'half a file');
    await new Promise((r) => setTimeout(r, 50));
    await fetchDataset('mnist', { ...quiet, cacheRoot: root, mirrors: [mirror.base('good')], lockStaleMs: 10 });
    expect(listing(dir)).toEqual(FILES);
  });

  test('a progress bar only when asked or on a terminal: a piped stderr gets nothing', () => {
    const run = (progress: boolean | undefined) => {
      const options = { cacheRoot: freshRoot(), mirrors: [mirror.base('good')], progress };
      const env = { ...process.env };
      delete env.CI;
      return spawnSync(process.execPath, [fetchMain(), JSON.stringify({ name: 'mnist', options })], { encoding: 'utf8', env });
    };
    const piped = run(undefined); // stderr is a pipe here, as in CI logs
    expect([piped.status, piped.stderr]).toEqual([0, '']);
    const forced = run(true);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toMatch(/\r\x1b\[KMNIST train-images-idx3-ubyte\.gz \[=+ *\] [\d.]+ [kM]B \/ 9\.7 MB/);
    expect(forced.stderr).toContain('\r\x1b[KMNIST t10k-labels-idx1-ubyte.gz [==============================] 4.5 kB / 4.5 kB');
  });

  test('the built fetch-main script exists (fetchDatasetSync runs it)', () => {
    expect(spawnSync(process.execPath, [fetchMain(), '{"name":"nope"}'], { encoding: 'utf8' }).stdout).toContain("unknown dataset 'nope'");
  });
});

describe('`scratchnet data` in a clone', () => {
  const bin = () => join(findPackageRoot(), 'dist', 'bin', 'scratchnet.js');
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bin(), 'data', ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', ...env } });

  test('reads data/, checks every file, and --fetch asks no mirror', async () => {
    const before = await mirror.stats();
    const r = run(['--verify', '--fetch', '--dataset', 'fashion-mnist', '--json'], {
      SCRATCHNET_DATA_DIR: freshRoot(),
      SCRATCHNET_DATA_MIRRORS: `http://127.0.0.1:${mirror.port}/good`,
    });
    expect(await mirror.stats()).toEqual(before);
    expect(r.status).toBe(0);
    const { datasets } = JSON.parse(r.stdout);
    expect(datasets).toHaveLength(1);
    expect(datasets[0]).toMatchObject({ name: 'fashion_mnist', kind: 'shipped', dir: join(findPackageRoot(), 'data', 'fashion-mnist') });
    expect(datasets[0].files.map((f: { status: string }) => f.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.stderr).toMatch(/train-images-idx3-ubyte +ok/);
  });

  test('an unknown data set is refused by name', () => {
    const r = run(['--dataset', 'cifar']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--dataset must be one of mnist, fashion_mnist; got 'cifar'");
  });
});
