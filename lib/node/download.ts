// Downloads files into a cache folder so that the folder only ever holds whole, verified files: each
// download goes to a temporary file beside its target, is checked (complete, gunzips, SHA-256 of the
// decompressed bytes), and only then renamed into place. A lock file makes concurrent processes (a
// sweep's workers) wait for one download instead of each fetching the same bytes; the rename, not the
// lock, is what keeps the cache whole, so even two processes that both hold a stolen lock are safe.
// Node-only: http(s), files, child processes.

import { spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { isGzip } from '../data/idx';
import { sha256Hex } from './idx-file';

/** One file to fetch: its name on the mirrors without `.gz`, and the SHA-256 of its decompressed bytes. */
export interface FileSpec {
  file: string;
  sha256: string;
}

/** Called as bytes arrive; total is undefined when the server sent no Content-Length. */
export type ProgressFn = (file: string, received: number, total: number | undefined) => void;

/** What to fetch, from where, into which folder. */
export interface FetchFilesSpec {
  /** Names the set in messages, e.g. 'MNIST'. */
  label: string;
  /** The cache folder the files end up in (created if missing). */
  dir: string;
  /** Base URLs tried in order; a file's URL is base + file + '.gz'. */
  bases: string[];
  files: FileSpec[];
  /** Appended to a failure's message: how to place the files by hand. */
  handHint?: string;
}

/** Options of fetchFiles. */
export interface FetchFilesOptions {
  /** Give up on a URL when no byte arrives for this long (connecting included). Default 30,000 ms. */
  timeoutMs?: number;
  /**
   * true: draw a progress bar on stderr; false: none; a function: called instead. Default: a bar when
   * stderr is a terminal (and CI is unset), else nothing.
   */
  progress?: boolean | ProgressFn;
  /**
   * A lock file written on another machine (a shared folder) and untouched for this long is taken to be
   * left by a dead process; on this machine, a lock is taken over as soon as its process is gone.
   * Temporary files untouched for this long are removed. Default 60,000 ms.
   */
  lockStaleMs?: number;
}

/** What fetchFiles did for one file. */
export interface FetchedFile {
  file: string;
  /** Where the verified file now is. */
  path: string;
  /** The URL it came from, or null when it was already in the cache. */
  url: string | null;
}

/** A file no mirror could deliver intact. `tried` lists each URL with why it failed. */
export class DatasetFetchError extends Error {
  constructor(message: string, readonly file: string, readonly tried: { url: string; reason: string }[]) {
    super(message);
    this.name = 'DatasetFetchError';
  }
}

/** The cached copy of `file` in dir (file.gz or file), or null. */
export function cachedPath(dir: string, file: string): string | null {
  for (const p of [join(dir, file + '.gz'), join(dir, file)]) if (existsSync(p)) return p;
  return null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const size = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

/** A one-line bar on stderr, redrawn at most ten times a second. */
function stderrBar(label: string): ProgressFn & { end(): void } {
  let last = 0;
  let drawn = false;
  const draw = ((file: string, received: number, total: number | undefined) => {
    const now = Date.now();
    if (now - last < 100 && received !== total) return;
    last = now;
    drawn = true;
    const width = 30;
    const filled = total ? Math.min(width, Math.round((received / total) * width)) : 0;
    const bar = total ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${size(received)} / ${size(total)}` : size(received);
    process.stderr.write(`\r\x1b[K${label} ${file}.gz ${bar}`);
  }) as ProgressFn & { end(): void };
  draw.end = () => {
    if (drawn) process.stderr.write('\r\x1b[K');
    drawn = false;
  };
  return draw;
}

/**
 * GETs url into the file `to`, following up to five redirects. Rejects on a status other than 200, on
 * `timeoutMs` without a byte, and on a body shorter than its Content-Length.
 */
function download(url: string, to: string, timeoutMs: number, onData: (received: number, total: number | undefined) => void, redirects = 5): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`not a valid URL`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${u.protocol} (expected http: or https:)`));
      return;
    }
    const get = u.protocol === 'https:' ? httpsGet : httpGet;
    let received = 0;
    let total: number | undefined;
    // Once a body is streaming, every outcome waits for the file stream to close (so a failure's
    // temporary file can be removed for good); `failure` keeps the first reason, e.g. the timeout.
    let streaming = false;
    let failure: string | null = null;
    const sofar = () => `${received}${total !== undefined ? ` of ${total}` : ''} bytes received`;
    // agent: false, a fresh connection per file: reusing a kept-alive socket races the server closing it
    // ("socket hang up" on an idle connection), which would fail a good mirror.
    const req = get(u, { agent: false, headers: { 'user-agent': 'scratchnet', 'accept-encoding': 'identity' } }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new Error(`too many redirects`));
        const next = new URL(res.headers.location, u).toString();
        download(next, to, timeoutMs, onData, redirects - 1).then(resolvePromise, (e: Error) => reject(new Error(`redirected to ${next}: ${e.message}`)));
        return;
      }
      if (status !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`));
      }
      const length = Number(res.headers['content-length']);
      total = res.headers['content-length'] !== undefined && Number.isFinite(length) && length >= 0 ? length : undefined;
      streaming = true;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        onData(received, total);
      });
      // Settle only once the file is closed: the stream opens it asynchronously, so a failure reported
      // earlier could otherwise see the caller remove the file before the stream creates it.
      const file = createWriteStream(to);
      const closed = new Promise<void>((r) => file.once('close', () => r()));
      pipeline(res, file)
        .then(() => null, (e: Error) => e)
        .then(async (lost) => {
          await closed;
          if (failure) reject(new Error(failure));
          else if (lost) reject(new Error(`connection lost (${lost.message}), ${sofar()}`));
          else if (total !== undefined && received !== total) reject(new Error(`incomplete: ${sofar()}`));
          else resolvePromise();
        });
    });
    req.setTimeout(timeoutMs, () => {
      failure ??= `timed out: no data for ${timeoutMs / 1000} s, ${sofar()}`;
      req.destroy(new Error(failure));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const hint = e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? ' (no network, or the name does not resolve)' : e.code === 'ECONNREFUSED' ? ' (nothing listens there)' : '';
      failure ??= `${e.message}${hint}`;
      if (!streaming) reject(new Error(failure));
    });
  });
}

/**
 * Checks a downloaded file: it gunzips (once, or twice if a server gzip'd the .gz again) to bytes whose
 * SHA-256 is `sha256`. Returns whether the file on disk is gzip'd; throws saying what is wrong.
 */
function verifyDownload(path: string, sha256: string): boolean {
  const file = readFileSync(path);
  let bytes: Uint8Array = file;
  for (let i = 0; i < 2 && isGzip(bytes); i++) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`not a whole gzip file (${(e as Error).message})`);
    }
  }
  const found = sha256Hex(bytes);
  if (found !== sha256) throw new Error(`checksum mismatch: SHA-256 of the decompressed file is ${found}, expected ${sha256}`);
  return isGzip(file);
}

/**
 * Whether a lock was left by a dead process: on this machine, whether its process is gone; from another
 * machine sharing the folder, or when the lock cannot be read, whether it went untouched for staleMs
 * (a holder touches it every staleMs / 4).
 */
function lockIsStale(lock: string, staleMs: number): boolean {
  let mtime: number;
  try {
    mtime = statSync(lock).mtimeMs;
  } catch {
    return false; // just released: the next attempt will take it
  }
  try {
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; host: string };
    if (owner.host === hostname()) {
      try {
        process.kill(owner.pid, 0);
        return false; // alive, however slow its mirror
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
      }
    }
  } catch {
    // being written right now, or damaged: fall back on its age
  }
  return Date.now() - mtime > staleMs;
}

/** Runs fn holding dir's lock file, waiting while another live process holds it. */
async function withLock<T>(dir: string, staleMs: number, onWait: (owner: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockIsStale(lock, staleMs)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (!waited) {
      waited = true;
      let owner = 'another process';
      try {
        owner = `process ${(JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid}`;
      } catch {
        // keep the generic name
      }
      onWait(owner);
    }
    await sleep(200);
  }
  const touch = setInterval(() => {
    const now = Date.now() / 1000;
    try {
      utimesSync(lock, now, now);
    } catch {
      // taken over as stale: harmless, the rename keeps the cache whole
    }
  }, Math.max(50, staleMs / 4));
  touch.unref();
  try {
    return await fn();
  } finally {
    clearInterval(touch);
    rmSync(lock, { force: true });
  }
}

/**
 * Removes temporary files a killed process left in dir (their names start with '.' and hold '.tmp-',
 * so the loader never reads them): those untouched for staleMs, which no live download can be.
 */
function removeStaleTemps(dir: string, staleMs: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('.') || !name.includes('.tmp-')) continue;
    const p = join(dir, name);
    try {
      if (Date.now() - statSync(p).mtimeMs > staleMs) rmSync(p, { force: true });
    } catch {
      // gone already
    }
  }
}

/**
 * Makes sure every file of spec is in spec.dir, verified: files already there are left alone (the
 * loader checks them when it reads them); each missing one is downloaded from the first base that
 * delivers it intact, into a temporary file that is checked and then renamed into place. Throws a
 * DatasetFetchError naming the file, every URL tried and why each failed, once all bases failed; no
 * partial or unverified file is left behind.
 */
export async function fetchFiles(spec: FetchFilesSpec, options: FetchFilesOptions = {}): Promise<FetchedFile[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const tty = process.stderr.isTTY === true && !process.env.CI;
  const bar = typeof options.progress === 'function' ? null : (options.progress ?? tty) ? stderrBar(spec.label) : null;
  const progress: ProgressFn = typeof options.progress === 'function' ? options.progress : bar ?? (() => {});
  const { dir } = spec;
  const have = (): FetchedFile[] => spec.files.map((f) => ({ file: f.file, path: cachedPath(dir, f.file) ?? '', url: null }));
  if (have().every((f) => f.path !== '')) return have();
  mkdirSync(dir, { recursive: true });

  const onWait = (owner: string) => {
    if (tty) process.stderr.write(`${spec.label}: waiting for ${owner}, which is downloading into ${dir}\n`);
  };
  const staleMs = options.lockStaleMs ?? 60_000;
  return withLock(dir, staleMs, onWait, async () => {
    removeStaleTemps(dir, staleMs);
    const out: FetchedFile[] = [];
    for (const f of spec.files) {
      const there = cachedPath(dir, f.file); // another process may have fetched it while we waited
      if (there) {
        out.push({ file: f.file, path: there, url: null });
        continue;
      }
      const tried: { url: string; reason: string }[] = [];
      let done: FetchedFile | null = null;
      for (const base of spec.bases) {
        const url = base + f.file + '.gz';
        const tmp = join(dir, `.${f.file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
        try {
          await download(url, tmp, timeoutMs, (received, total) => progress(f.file, received, total));
          const gz = verifyDownload(tmp, f.sha256);
          const path = join(dir, gz ? f.file + '.gz' : f.file);
          renameSync(tmp, path);
          done = { file: f.file, path, url };
          break;
        } catch (e) {
          tried.push({ url, reason: (e as Error).message });
        } finally {
          bar?.end();
          rmSync(tmp, { force: true });
        }
      }
      if (!done) {
        const lines = tried.map((t, i) => `  ${i + 1}. ${t.url}: ${t.reason}`);
        throw new DatasetFetchError(
          `cannot fetch ${spec.label}'s ${f.file}.gz: every URL failed:\n${lines.join('\n')}\n` +
            `No partial or unverified file was left in ${dir}.` +
            (spec.handHint ? `\n${spec.handHint}` : ''),
          f.file,
          tried,
        );
      }
      out.push(done);
    }
    return out;
  });
}

/**
 * Runs `node script requestJson` and waits for it: how a synchronous caller (loadDataset) gets an
 * asynchronous download done. The script prints one JSON line on stdout, {ok: true, result} or
 * {ok: false, message}; its stderr is ours, so its progress bar shows when ours is a terminal.
 */
export function runInChildSync<T>(script: string, request: unknown): T {
  const r = spawnSync(process.execPath, [script, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.error) throw new Error(`cannot run ${basename(script)}: ${r.error.message}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let reply: { ok: boolean; result?: T; message?: string };
  try {
    reply = JSON.parse(last) as typeof reply;
  } catch {
    throw new Error(`${script} exited with ${r.status ?? r.signal} without a result${last ? `: ${last}` : ''}`);
  }
  if (!reply.ok) throw new Error(reply.message ?? 'download failed');
  return reply.result as T;
}
