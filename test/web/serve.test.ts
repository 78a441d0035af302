// `scratchnet serve`: the static server's headers (cross-origin isolation), types, and refusals, and the
// command itself printing its URL and serving the built page. Loopback only.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../../lib/node/serve';

const ROOT = join(__dirname, '..', '..');

/** A raw GET (or other method) with the path as written, so '..' reaches the server unnormalised. */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveStatic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-serve-'));
  const site = join(dir, 'site');
  mkdirSync(join(site, 'models'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<p>hi</p>');
  writeFileSync(join(site, 'k.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(site, 'models', 'm.snet'), 'SCRATCHN');
  writeFileSync(join(dir, 'secret.txt'), 'outside the root');
  let url = '';
  let close = (): void => {};
  beforeAll(async () => {
    const s = await serveStatic({ root: site, port: 0 });
    url = s.url;
    close = () => s.server.close();
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('answers on loopback with the cross-origin isolation headers and the right types', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toBe('<p>hi</p>');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get(url, '/k.wasm')).headers['content-type']).toBe('application/wasm');
    expect((await get(url, '/models/m.snet')).body).toBe('SCRATCHN');
  });

  test('refuses what it must: files outside the root, missing files, other methods', async () => {
    expect((await get(url, '/../secret.txt')).status).toBe(404);
    expect((await get(url, '/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get(url, '/nope.js')).status).toBe(404);
    expect((await get(url, '/models')).status).toBe(404);
    const post = await get(url, '/', 'POST');
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  test('bad options are refused clearly', async () => {
    await expect(serveStatic({ root: site, port: 70000 })).rejects.toThrow(/port must be an integer 0..65535, got 70000/);
    await expect(serveStatic({ root: join(dir, 'missing'), port: 0 })).rejects.toThrow(/missing is not a folder/);
  });
});

describe('npx scratchnet serve', () => {
  const cli = join(ROOT, 'dist', 'bin', 'scratchnet.js');

  test('prints its URL and serves the built demo page', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /scratchnet demo at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code} before printing its URL: ${out}`)));
      });
      const page = await get(url, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<canvas id="pad"');
      expect((await get(url, '/scratchnet.js')).body).toMatch(/Sequential/);
    } finally {
      child.kill();
    }
  });

  test('a bad port is refused with a non-zero exit', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/expected an integer port 0..65535, got 'eighty'/);
  });
});
