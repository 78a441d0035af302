// The platform-free byte paths the browser build relies on: SHA-256 in plain TypeScript, models as
// bytes (the same bytes saveModel writes, loadable either way), and fetchModel / fetchIdx over HTTP
// from a loopback server (Node 20 has the same fetch and DecompressionStream as a browser).

import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { Dense, Sequential, Softmax, Tensor, encodeIdx, loadModel, modelFromBytes, modelToBytes, saveModel } from '../../lib';
import { sha256Hex } from '../../lib/util/sha256';
import { fetchIdx, fetchModel } from '../../lib/web/fetch';
import { Rng } from '../../lib/rng';

function mlp(seed = 3): Sequential {
  return new Sequential([new Dense({ units: 5, activation: 'relu' }), new Dense({ units: 3 }), new Softmax()], { inputShape: [4], seed, name: 'tiny' }).build();
}

describe('sha256Hex (plain TypeScript) agrees with node:crypto', () => {
  test.each([0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537])('%i bytes', (n) => {
    const rng = new Rng(n + 1);
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));
    expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
  test('a known answer (FIPS 180-2, "abc")', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('models as bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-bytes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('modelToBytes gives exactly the bytes saveModel writes, and each loads the other', () => {
    const model = mlp();
    const file = join(dir, 'a.snet');
    saveModel(model, file, { classNames: ['a', 'b', 'c'] });
    const bytes = modelToBytes(model, { classNames: ['a', 'b', 'c'] });
    expect(Buffer.from(bytes).equals(readFileSync(file))).toBe(true);
    const fromFile = modelFromBytes(new Uint8Array(readFileSync(file)));
    expect(Array.from(fromFile.params)).toEqual(Array.from(model.params));
    writeFileSync(join(dir, 'b.snet'), modelToBytes(fromFile));
    const x = new Tensor(Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.4), [2, 4]);
    expect(Array.from(loadModel(join(dir, 'b.snet')).predict(x).data)).toEqual(Array.from(model.predict(x).data));
  });

  test('bad bytes are refused naming their source', () => {
    const bytes = modelToBytes(mlp());
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 1;
    expect(() => modelFromBytes(flipped, 'upload.snet')).toThrow(/^upload\.snet is not a valid scratchnet model: weight checksum mismatch/);
    expect(() => modelFromBytes(bytes.subarray(0, 40), 'cut.snet')).toThrow(/cut\.snet .*truncated/);
    expect(() => modelFromBytes(new TextEncoder().encode('<!doctype html><p>404</p>'))).toThrow(/start with "SCRATCHN", found "<!doctyp"/);
  });
});

describe('fetchModel and fetchIdx over HTTP (loopback)', () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Uint8Array>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      if (!body) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a model saved on Node comes back over fetch, bit-exact', async () => {
    const model = mlp(9);
    files.set('/m.snet', modelToBytes(model));
    const back = await fetchModel(`${base}/m.snet`);
    expect(Array.from(back.params)).toEqual(Array.from(model.params));
    await expect(fetchModel(`${base}/missing.snet`)).rejects.toThrow(/missing\.snet: HTTP 404/);
  });

  test('gzip\'d and raw IDX files decode, with a row limit', async () => {
    const data = Uint8Array.from({ length: 5 * 2 * 3 }, (_, i) => (i * 37) & 255);
    const idx = encodeIdx('u8', [5, 2, 3], data);
    files.set('/x.idx.gz', gzipSync(idx));
    files.set('/x.idx', idx);
    const gz = await fetchIdx(`${base}/x.idx.gz`);
    expect(gz.dims).toEqual([5, 2, 3]);
    expect(Array.from(gz.data)).toEqual(Array.from(data));
    const raw = await fetchIdx(`${base}/x.idx`, 2);
    expect(raw.dims).toEqual([2, 2, 3]);
    expect(Array.from(raw.data)).toEqual(Array.from(data.subarray(0, 12)));
    files.set('/bad.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    await expect(fetchIdx(`${base}/bad.gz`)).rejects.toThrow(/bad\.gz: gzip data could not be decompressed/);
  });
});
