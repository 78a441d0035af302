// The wasm image kernels (assembly/image.ts) against the TypeScript kernels of lib/kernels/, the
// oracles: im2col / col2im exactly, max pooling exactly (values and argmax, ties included), batch
// normalization within float32 rounding; and each returns false for buffers outside wasm memory.

import { Rng, batchNormBackward, batchNormTrainForward, col2im, convGeometry, im2col, maxPoolBackward, maxPoolForward, type ConvGeometry, type Padding } from '../../lib';
import { loadWasmBackend, shutdown } from '../../lib/backend/wasm';

const be = loadWasmBackend();
const k = be.imageKernels!;
afterAll(() => shutdown());

function filled(n: number, rng: Rng, wasm = true): Float32Array {
  const a = wasm ? be.alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

test('image.wasm is loaded by the wasm backend', () => expect(k).toBeTruthy());

const geometries: [string, ConvGeometry][] = ([
  ['3x3 pad 1, C = 1 (the first conv)', [28, 28, 1, 3, 3, 1, 1, [1, 1]]],
  ['3x3 pad 1, C = 32', [14, 14, 32, 3, 3, 1, 1, [1, 1]]],
  ['2x2 same, C = 8', [28, 28, 8, 2, 2, 1, 1, 'same']],
  ['3x3 stride 2 same, odd sizes, C = 3', [7, 9, 3, 3, 3, 2, 2, 'same']],
  ['2x3 stride (2, 1) pad (1, 2), C = 5', [6, 5, 5, 2, 3, 2, 1, [1, 2]]],
  ['4x4 valid stride 3, C = 2', [9, 10, 2, 4, 4, 3, 3, 'valid']],
] as [string, [number, number, number, number, number, number, number, Padding]][]).map(([n, a]) => [n, convGeometry(...a)]);

describe.each(geometries)('im2col and col2im: %s', (_name, g) => {
  const B = 3;
  const rng = new Rng(2);
  const inp = filled(B * g.H * g.W * g.C, rng);
  const nCols = B * g.OH * g.OW * g.KH * g.KW * g.C;
  test('im2col equals the TypeScript kernel exactly', () => {
    const fast = be.alloc(nCols).fill(NaN);
    expect(k.im2col(fast, inp, B, g)).toBe(true);
    expect(Array.from(fast)).toEqual(Array.from(im2col(new Float32Array(nCols), inp, B, g)));
  });
  test('col2im accumulates as the TypeScript kernel', () => {
    const dcols = filled(nCols, rng);
    const start = filled(inp.length, rng, false);
    const fast = be.alloc(inp.length);
    fast.set(start);
    expect(k.col2im(fast, dcols, B, g)).toBe(true);
    expectClose(fast, col2im(Float32Array.from(start), dcols, B, g), 1e-6);
  });
});

describe.each([
  ['2x2 stride 2 valid, C = 32', convGeometry(28, 28, 32, 2, 2, 2, 2, 'valid')],
  ['3x3 stride 2 same, odd sizes, C = 3', convGeometry(7, 9, 3, 3, 3, 2, 2, 'same')],
  ['2x2 stride 1 (overlapping), C = 2', convGeometry(5, 6, 2, 2, 2, 1, 1, 'valid')],
])('max pooling: %s', (_name, g) => {
  const B = 2;
  const rng = new Rng(3);
  const n = B * g.OH * g.OW * g.C;
  const nIn = B * g.H * g.W * g.C;
  // Rounded values: many ties, which both must break the same way (the first in window order).
  const inp = be.alloc(nIn);
  for (let i = 0; i < nIn; i++) inp[i] = Math.round(2 * rng.normal());
  test('forward values and argmax equal the TypeScript kernel, ties included', () => {
    const out = be.alloc(n);
    const a = be.alloc(n);
    const arg = new Int32Array(a.buffer, a.byteOffset, n);
    expect(k.maxPoolForward(out, arg, inp, B, g)).toBe(true);
    const out2 = new Float32Array(n);
    const arg2 = new Int32Array(n);
    maxPoolForward(out2, arg2, inp, B, g);
    expect(Array.from(out)).toEqual(Array.from(out2));
    expect(Array.from(arg)).toEqual(Array.from(arg2));
    const dout = filled(n, rng);
    const dinp = be.alloc(nIn).fill(7); // the kernel zeroes it first
    expect(k.maxPoolBackward(dinp, dout, arg, n, nIn)).toBe(true);
    expectClose(dinp, maxPoolBackward(new Float32Array(nIn), dout, arg2, n), 1e-7);
  });
});

describe.each([[100352 / 64, 32], [37, 5], [128, 128]])('batch normalization, N = %i, C = %i', (N, C) => {
  const rng = new Rng(4);
  const x = be.alloc(N * C);
  for (let i = 0; i < x.length; i++) x[i] = 3 + 2 * rng.normal(); // mean far from 0: the two-pass variance matters
  const gamma = filled(C, rng);
  const beta = filled(C, rng);
  test('statistics, normalisation and backward (training and evaluation) agree with the TypeScript kernels', () => {
    const [mean, variance, invStd, acc, y, xhat] = [C, C, C, 4 * C, N * C, N * C].map((n) => be.alloc(n));
    expect(k.batchNormStats(mean, variance, invStd, x, acc, N, C, 1e-5)).toBe(true);
    expect(k.batchNormNormalize(y, xhat, x, mean, invStd, gamma, beta, N, C)).toBe(true);
    const r = { mean: new Float32Array(C), variance: new Float32Array(C), invStd: new Float32Array(C), y: new Float32Array(N * C), xhat: new Float32Array(N * C) };
    batchNormTrainForward(r.y, r.xhat, r.mean, r.variance, r.invStd, x, gamma, beta, new Float64Array(2 * C), N, C, 1e-5);
    expectClose(mean, r.mean, 1e-6);
    expectClose(variance, r.variance, 1e-6);
    expectClose(invStd, r.invStd, 1e-6);
    expectClose(y, r.y, 1e-5);
    for (const training of [true, false]) {
      const dy = filled(N * C, rng);
      const [dx, dg, db] = [N * C, C, C].map((n) => be.alloc(n));
      dg.fill(0.5);
      expect(k.batchNormBackward(dx, dg, db, dy, xhat, gamma, invStd, acc, N, C, training)).toBe(true);
      const e = { dx: new Float32Array(N * C), dg: new Float32Array(C).fill(0.5), db: new Float32Array(C) };
      batchNormBackward(e.dx, e.dg, e.db, dy, xhat, gamma, invStd, new Float64Array(2 * C), N, C, training);
      expectClose(dx, e.dx, 1e-5);
      expectClose(dg, e.dg, 1e-5);
      expectClose(db, e.db, 1e-5);
    }
  });
});

test('buffers outside wasm memory are refused (false), so the layer falls back to TypeScript', () => {
  const g = convGeometry(4, 4, 1, 2, 2, 1, 1, 'valid');
  expect(k.im2col(new Float32Array(2 * 9 * 4), be.alloc(32), 2, g)).toBe(false);
  expect(k.batchNormStats(new Float32Array(2), be.alloc(2), be.alloc(2), be.alloc(8), be.alloc(8), 4, 2, 1e-5)).toBe(false);
});
