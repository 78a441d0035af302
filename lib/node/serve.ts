// A small static file server for the demo page (dist/web): loopback only, with the two headers that
// make a page cross-origin isolated (COOP same-origin + COEP require-corp), without which browsers
// withhold SharedArrayBuffer and so wasm threads. GET and HEAD only; nothing outside root is served.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { findPackageRoot } from './datasets';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The headers every answer carries: cross-origin isolation, and no caching of a page under development. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

export interface ServeOptions {
  /** Folder to serve. Default: the built demo page, <package>/dist/web. */
  root?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Cross-origin isolation headers (default true); false serves the page without threads. */
  isolate?: boolean;
}

/** The folder `scratchnet serve` serves by default; throws if the browser build is missing. */
export function webRoot(): string {
  const dir = join(findPackageRoot(), 'dist', 'web');
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir}/index.html not found: build the page first with \`npm run build:web\``);
  return dir;
}

/** Starts serving; resolves once listening, with the server and the page's URL. */
export async function serveStatic(opts: ServeOptions = {}): Promise<{ server: Server; url: string }> {
  const root = resolve(opts.root ?? webRoot());
  const port = opts.port ?? 8080;
  const host = opts.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer 0..65535, got ${port}`);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root} is not a folder`);
  const server = createServer((req, res) => {
    const headers: Record<string, string> = opts.isolate === false ? { 'Cache-Control': 'no-cache' } : { ...ISOLATION_HEADERS };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end('bad URL');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = normalize(join(root, pathname));
    if (!file.startsWith(root + sep) || pathname.includes('\0') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(statSync(file).size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${shown}:${address.port}/` };
}
