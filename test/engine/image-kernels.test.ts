// The wasm image kernels (assembly/image.ts) against the TypeScript kernels of lib/kernels/, the
// oracles: im2col / col2im exactly, max pooling exactly (values and argmax, ties included), batch
// normalization within float32 rounding (plain and with the fused ReLU), dropout exactly (the same
// masks from the same Rng stream); and each returns false for buffers outside wasm memory.

import { Rng, batchNormBackward, batchNormEvalForward, batchNormTrainForward, col2im, dropoutBackward, dropoutForward, convGeometry, im2col, maxPoolBackward, maxPoolForward, type ConvGeometry, type Padding } from '../../lib';
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

test('im2col and col2im of a big batch split over both threads: the same as on one thread and as the TypeScript kernels', () => {
  // 11 images of 14x14x32, 3x3 pad 1: 620,928 floats of cols (over CONV_SPLIT_FLOATS), halves of 5 and 6 images.
  const g = convGeometry(14, 14, 32, 3, 3, 1, 1, [1, 1]);
  const B = 11;
  const rng = new Rng(5);
  const inp = filled(B * g.H * g.W * g.C, rng);
  const nCols = B * g.OH * g.OW * g.KH * g.KW * g.C;
  const before = be.threadStats.worker + be.threadStats.stolen;
  const threads = be.options.threads;
  const run = (two: boolean) => {
    be.options.threads = two;
    try {
      const cols = be.alloc(nCols).fill(NaN);
      expect(k.im2col(cols, inp, B, g)).toBe(true);
      const dinp = be.alloc(inp.length).fill(0.5);
      expect(k.col2im(dinp, cols, B, g)).toBe(true);
      return { cols, dinp };
    } finally {
      be.options.threads = threads;
    }
  };
  const one = run(false);
  const two = run(true);
  expect(be.threadStats.worker + be.threadStats.stolen).toBe(before + 2);
  expect(Array.from(two.cols)).toEqual(Array.from(im2col(new Float32Array(nCols), inp, B, g)));
  expect(Array.from(two.dinp)).toEqual(Array.from(one.dinp));
  expectClose(two.dinp, col2im(new Float32Array(inp.length).fill(0.5), two.cols, B, g), 1e-6);
});

describe.each([
  ['2x2 stride 2 valid, C = 32 (windows tile the image)', convGeometry(28, 28, 32, 2, 2, 2, 2, 'valid')],
  ['2x2 stride 2 valid, odd size 7x7 (a row and a column left out), C = 8', convGeometry(7, 7, 8, 2, 2, 2, 2, 'valid')],
  ['3x2 stride (3, 2), C = 6 (tiled, C not a multiple of 4)', convGeometry(6, 4, 6, 3, 2, 3, 2, 'valid')],
  ['3x3 stride 2 same, C = 4 (padding, overlapping)', convGeometry(7, 9, 4, 3, 3, 2, 2, 'same')],
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
    expect(k.maxPoolBackward(dinp, dout, arg, B, g)).toBe(true);
    expectClose(dinp, maxPoolBackward(new Float32Array(nIn), dout, arg2, n), 1e-7);
  });
});

// Sizes: a CNN's BN (C = 32), odd C with a scalar tail and N not a multiple of the row block, the FNN's.
describe.each([[100352 / 64, 32], [37, 5], [1031, 7], [128, 128]])('batch normalization, N = %i, C = %i', (N, C) => {
  const rng = new Rng(4);
  const x = be.alloc(N * C);
  for (let i = 0; i < x.length; i++) x[i] = 3 + 2 * rng.normal(); // mean far from 0: the shifted sums matter
  const gamma = filled(C, rng);
  const beta = filled(C, rng);
  test.each([false, true])('statistics, normalisation and backward (training and evaluation) agree with the TypeScript kernels; fused ReLU %s', (relu) => {
    const [mean, variance, invStd, acc, y] = [C, C, C, 4 * C, N * C].map((n) => be.alloc(n));
    expect(k.batchNormStats(mean, variance, invStd, x, acc, N, C, 1e-5)).toBe(true);
    expect(k.batchNormNormalize(y, x, mean, invStd, gamma, beta, N, C, relu)).toBe(true);
    const r = { mean: new Float32Array(C), variance: new Float32Array(C), invStd: new Float32Array(C), y: new Float32Array(N * C) };
    batchNormTrainForward(r.y, r.mean, r.variance, r.invStd, x, gamma, beta, new Float64Array(2 * C), N, C, 1e-5, relu);
    expectClose(mean, r.mean, 1e-6);
    expectClose(variance, r.variance, 1e-6);
    expectClose(invStd, r.invStd, 1e-6);
    expectClose(y, r.y, 1e-5);
    if (relu) expect(y.every((v) => v >= 0)).toBe(true);
    for (const training of [true, false]) {
      const dy = filled(N * C, rng);
      const [dx, dg, db] = [N * C, C, C].map((n) => be.alloc(n));
      dg.fill(0.5);
      expect(k.batchNormBackward(dx, dg, db, dy, x, mean, gamma, beta, invStd, acc, N, C, training, relu)).toBe(true);
      const e = { dx: new Float32Array(N * C), dg: new Float32Array(C).fill(0.5), db: new Float32Array(C) };
      batchNormBackward(e.dx, e.dg, e.db, dy, x, mean, gamma, beta, invStd, new Float64Array(2 * C), N, C, training, relu);
      expectClose(dx, e.dx, 1e-5);
      expectClose(dg, e.dg, 1e-5);
      expectClose(db, e.db, 1e-5);
      // Where the fused ReLU cut the gradient, dx is −γ·invStd·(the batch terms) in training, 0 in evaluation.
      if (relu && !training) expect(y.filter((v, i) => v === 0 && dx[i] !== 0).length).toBe(0);
    }
  });
  test('evaluation: the running statistics in place of the batch ones', () => {
    const [mean, invStd, y, rv] = [C, C, N * C, C].map((n) => be.alloc(n));
    for (let c = 0; c < C; c++) {
      mean[c] = rng.normal();
      rv[c] = 0.5 + rng.uniform();
      invStd[c] = 1 / Math.sqrt(rv[c] + 1e-5);
    }
    expect(k.batchNormNormalize(y, x, mean, invStd, gamma, beta, N, C, false)).toBe(true);
    const e = new Float32Array(N * C);
    batchNormEvalForward(e, new Float32Array(C), x, mean, rv, gamma, beta, N, C, 1e-5);
    expectClose(y, e, 1e-5);
  });
  test('the one-pass statistics stay accurate when |mean| ≫ std', () => {
    const big = be.alloc(N * C);
    for (let i = 0; i < big.length; i++) big[i] = 1000 + 0.01 * rng.normal();
    const [mean, variance, invStd, acc] = [C, C, C, 4 * C].map((n) => be.alloc(n));
    expect(k.batchNormStats(mean, variance, invStd, big, acc, N, C, 1e-5)).toBe(true);
    // Against the exact variance (two passes in float64 with a float64 mean here).
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let n = 0; n < N; n++) m += big[n * C + c] / N;
      let v = 0;
      for (let n = 0; n < N; n++) v += (big[n * C + c] - m) ** 2 / N;
      expect(Math.abs(variance[c] - v)).toBeLessThan(1e-6 * v);
      expect(Math.abs(mean[c] - m)).toBeLessThan(1e-7 * m);
    }
  });
});

// Sizes: multiples of 4 and not (the kernel draws 4 values per SIMD step, then a scalar tail), down to 1.
// Rates: rate·2³² not an integer (0.2, 0.9, 0.0001, 1/3), an integer (0.5, 3·2⁻³²), 0 (nothing dropped; the
// layer skips the kernel then, the kernel must still agree), and 1 − 2⁻³³, whose ⌈rate·2³²⌉ = 2³² drops all.
describe.each([[128 * 128, 0.2], [1031, 0.5], [7, 0.9], [4096, 0.0001], [1, 0.2], [2, 1 / 3], [3, 0.5], [5, 0.9], [1030, 1 / 3],
  [1029, 0], [64, 0], [13, 3 / 4294967296], [13, 1 - 2 ** -33], [8, 1 - 2 ** -33]])('dropout, n = %i, rate %f', (n, rate) => {
  test('the same masks and outputs as the TypeScript loop from the same Rng stream, and the stream continues', () => {
    const rng = new Rng(21);
    const x = filled(n, rng);
    // Values whose products with 0 and keep have edge cases: signed zeros, infinities, NaN, a subnormal.
    [-0, Infinity, -Infinity, NaN, 1e-40, -3.5].forEach((v, i) => { if (2 * i < n) x[2 * i] = v; });
    const [y, mask, words] = [n, n, 4].map((m) => be.alloc(m));
    const w = new Int32Array(words.buffer, words.byteOffset, 4);
    const a = new Rng(99);
    const b = new Rng(99);
    for (let round = 0; round < 2; round++) {
      expect(k.dropoutForward(y, mask, x, a.getState(w), n, rate)).toBe(true);
      a.setState(w);
      const e = { y: new Float32Array(n), mask: new Float32Array(n) };
      expect(dropoutForward(e.y, e.mask, x, b, rate, n)).toBe(e.y);
      // bit for bit (the int32 views also tell -0 from 0 and one NaN from another)
      expect(Array.from(new Int32Array(mask.buffer, mask.byteOffset, n))).toEqual(Array.from(new Int32Array(e.mask.buffer)));
      expect(Array.from(new Int32Array(y.buffer, y.byteOffset, n))).toEqual(Array.from(new Int32Array(e.y.buffer)));
      expect(a.nextUint32()).toBe(b.nextUint32());
    }
    const dy = filled(n, rng);
    const dx = be.alloc(n);
    expect(k.dropoutBackward(dx, dy, mask, n)).toBe(true);
    expect(Array.from(dx)).toEqual(Array.from(dropoutBackward(new Float32Array(n), dy, mask, n)));
  });
});

test('buffers outside wasm memory are refused (false), so the layer falls back to TypeScript', () => {
  const g = convGeometry(4, 4, 1, 2, 2, 1, 1, 'valid');
  expect(k.im2col(new Float32Array(2 * 9 * 4), be.alloc(32), 2, g)).toBe(false);
  expect(k.batchNormStats(new Float32Array(2), be.alloc(2), be.alloc(2), be.alloc(8), be.alloc(8), 4, 2, 1e-5)).toBe(false);
  expect(k.dropoutForward(be.alloc(4), be.alloc(4), new Float32Array(4), new Int32Array(4), 4, 0.5)).toBe(false);
});
