// A stand-in for the data set mirrors, on the loopback interface only, for the download tests. Run as
// `node mirror-server.js ROOT`: serves ROOT/<folder>/<file> under /<mode>/<folder>/<file> and prints
// {"port": N} once listening. Plain JavaScript so that it runs as its own process: a test that calls a
// synchronous fetch blocks its own event loop, so the server cannot live in the test's process.
//
// Modes, each a way a real mirror behaves:
//   good       the file
//   404        HTTP 404
//   redirect   302 to /good/...
//   truncated  a full Content-Length, half the bytes, then the connection is cut
//   short      no Content-Length, half the bytes, a clean end (only the gzip check can tell)
//   corrupt    a well-formed gzip of the file with one byte changed (only the checksum can tell)
//   slow       the headers and 100 bytes, then nothing until the client gives up
//   throttle   the file in 256 KiB pieces 20 ms apart (downloads that overlap in time)
// GET /stats answers {"<path>": <requests>} so tests can count what was fetched.

'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.resolve(process.argv[2]);
const counts = {};
const corrupted = new Map();

function corruptCopy(file) {
  if (!corrupted.has(file)) {
    const raw = zlib.gunzipSync(fs.readFileSync(file));
    raw[raw.length - 1] ^= 0xff;
    corrupted.set(file, zlib.gzipSync(raw, { level: 1 }));
  }
  return corrupted.get(file);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(counts));
    return;
  }
  counts[url.pathname] = (counts[url.pathname] || 0) + 1;
  const [, mode, ...rest] = url.pathname.split('/');
  const file = path.join(root, ...rest);
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || mode === '404') {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  const bytes = mode === 'corrupt' ? corruptCopy(file) : fs.readFileSync(file);
  switch (mode) {
    case 'good':
    case 'corrupt':
      res.setHeader('content-length', bytes.length);
      res.end(bytes);
      return;
    case 'redirect':
      res.statusCode = 302;
      res.setHeader('location', '/good/' + rest.join('/'));
      res.end();
      return;
    case 'truncated':
      res.setHeader('content-length', bytes.length);
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
      return;
    case 'short':
      res.end(bytes.subarray(0, bytes.length >> 1));
      return;
    case 'slow':
      res.setHeader('content-length', bytes.length);
      res.write(bytes.subarray(0, 100));
      return; // and never another byte
    case 'throttle': {
      res.setHeader('content-length', bytes.length);
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        const end = Math.min(bytes.length, at + (256 << 10));
        const piece = bytes.subarray(at, end);
        at = end;
        if (at >= bytes.length) res.end(piece);
        else res.write(piece, () => setTimeout(next, 20));
      };
      next();
      return;
    }
    default:
      res.statusCode = 400;
      res.end(`unknown mode ${mode}`);
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
// Stop with the test that started us, even if it dies without saying so.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
