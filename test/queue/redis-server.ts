// A private redis-server for one test file: a free loopback port, a temporary folder for its data,
// persistence on (append-only file, fsync on every write, so a restart loses nothing) unless a test
// asks for a server that forgets, an optional password, optionally TLS only (a certificate made here). stop() is idempotent and also runs when the test process exits, so a failing test
// does not leave a server behind. Tests are skipped where redis-server is missing, except in CI,
// where .ci/run installs it and a missing server is an error.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True where `redis-server` can be run. */
export function redisInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** `describe`, or `describe.skip` (with a note) where no redis-server is installed outside CI. */
export function describeWithRedis(name: string, fn: () => void): void {
  if (redisInstalled() || process.env.CI) {
    describe(name, fn);
  } else {
    describe.skip(`${name} (skipped: redis-server is not installed; apt-get install -y redis-server)`, fn);
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the probe socket is closed before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  /** The server's data folder (the append-only file lives here). */
  dir: string;
  password?: string;
  /** With TLS: the certificate authority file a client must trust (NODE_EXTRA_CA_CERTS=…). */
  caFile?: string;
  /** Stops the server (SIGTERM, so it flushes) and starts it again on the same port and folder. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1 (and localhost), made
 * with openssl in dir; returns the CA file a client must trust.
 */
function makeCertificates(dir: string): string {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=scratchnet test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.cnf']);
  return join(dir, 'ca.pem');
}

function launch(port: number, dir: string, password?: string, persist = true, tls = false): Promise<ChildProcess> {
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'server.pem'), '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.pem'), '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const args = [
    ...listen, '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', persist ? 'yes' : 'no', '--appendfsync', 'always', '--save', '',
    '--maxmemory-policy', 'noeviction', // BullMQ's keys must never be evicted
    '--daemonize', 'no', '--logfile', '',
  ];
  if (password) args.push('--requirepass', password);
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} did not start within 10 s:\n${log}`)), 10000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        proc.stderr!.resume();
        resolve(proc);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    proc.once('error', (err) => fail(new Error(`cannot run redis-server: ${err.message}`)));
    proc.once('exit', (code) => {
      live.delete(proc);
      if (!log.includes('Ready to accept connections')) fail(new Error(`redis-server exited with code ${code} before it was ready:\n${log}`));
    });
  });
}

function terminate(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(force);
      live.delete(proc);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** Starts a redis-server of its own on a free loopback port with a temporary data folder. */
export async function startRedis(opts: { password?: string; persist?: boolean; tls?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-redis-'));
  const persist = opts.persist ?? true;
  const tls = opts.tls ?? false;
  const caFile = tls ? makeCertificates(dir) : undefined;
  let proc = await launch(port, dir, opts.password, persist, tls);
  let stopped = false;
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return {
    port,
    dir,
    password: opts.password,
    caFile,
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    async restart(downMs = 1000) {
      await terminate(proc);
      await new Promise((r) => setTimeout(r, downMs));
      proc = await launch(port, dir, opts.password, persist, tls);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
