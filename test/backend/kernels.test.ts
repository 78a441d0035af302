// Every kernel of every backend against the reference kernels (the oracle), on random shapes with
// odd sizes, sparse inputs and accumulate on/off; plus the four gl-matrix tests per kernel.
//
// Tolerance. Two float32 sums of the same K products in different orders (blocked, SIMD lanes,
// zero-skipping) each differ from the exact sum by at most γ·Σ|terms| with γ ≈ K·ε (Higham,
// "Accuracy and Stability of Numerical Algorithms", §3.1; ε = 2⁻²⁴ for round-to-nearest float32), so
// they differ from each other by at most 2·γ·Σ|terms|. We check, element by element,
//   |fast − reference| ≤ 2·(K+2)·ε·(|out₀| + |bias| + Σ_k |a_ik·b_kj|) + 1e-30
// (K+2: the accumulated out₀ and the bias are two more additions). The magnitudes Σ|a||b| come
// from the reference kernel run on |a| and |b|. Kernels that do one addition per element (addBias)
// must match exactly.

import type { Backend } from '../../lib/backend/backend';
import * as ref from '../../lib/backend/reference';
import { referenceBackend } from '../../lib/backend/reference';
import { createWasmBackend, loadWasmBackend, readWasmModules, shutdown, THREAD_MIN_WORK, wasmVariant, type WasmBackend } from '../../lib/backend/wasm';
import { platform, setPlatform } from '../../lib/backend/platform';
import { checkLayout, HEAP_BASE, LAYOUT, wasmApi } from '../../lib/backend/wasm/memory';
import { Rng } from '../../lib/rng';

const EPS = 2 ** -24;
const wasm = loadWasmBackend();
afterAll(() => shutdown());

const backends: Backend[] = [
  referenceBackend,
  wasm,
  wasmVariant(wasm, 'wasm 1 thread dense', { threads: false, sparse: 'never' }),
  wasmVariant(wasm, 'wasm 2 threads dense', { threads: true, threadMinWork: 1, sparse: 'never' }),
  wasmVariant(wasm, 'wasm zero-skipping 1 thread', { threads: false, sparse: 'always' }),
  wasmVariant(wasm, 'wasm zero-skipping 2 threads', { threads: true, threadMinWork: 1, sparse: 'always' }),
  // The plain-SIMD build beside the FMA one (the default where the runtime compiles relaxed SIMD).
  ...(wasm.fmaAvailable ? [
    wasmVariant(wasm, 'wasm plain SIMD 1 thread', { fma: false, threads: false, sparse: 'never' }),
    wasmVariant(wasm, 'wasm plain SIMD 2 threads', { fma: false, threads: true, threadMinWork: 1, sparse: 'never' }),
    wasmVariant(wasm, 'wasm plain SIMD zero-skipping 2 threads', { fma: false, threads: true, threadMinWork: 1, sparse: 'always' }),
  ] : []),
];

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 65],
  [5, 300, 1],
  [9, 2, 40],
  [64, 784, 128],
  [784, 64, 128],
  [64, 128, 784],
  [64, 64, 10],
  [260, 520, 33],
  // The blocked GEMM's edges (assembly/kernels.ts): M % 6 = 5, 3 and 1 (the 4x8 + 1x8, 3x8, 1x8 row tails;
  // 4 and 2 above),
  // N % 8 = 3 and 4..7 (4-column and single-column tails), K cut into equal blocks (330 → 2 x 165),
  // N over one packed panel (403 = 384 + 16 + 3), M over one row block (603 = 6 x 96 + 27), and tall
  // shapes that two threads split along M (a convolution's: K = 9 as the first layer's 3x3x1 window).
  [101, 330, 403],
  [45, 13, 12],
  [603, 9, 32],
  [19, 700, 8],
];

const rng = new Rng(1234);
/** n floats in the backend's memory: zero with probability 1 − density, else uniform in [-1, 1). */
function rand(be: Backend, n: number, density = 1): Float32Array {
  const x = be.alloc(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform() < density ? rng.uniform() * 2 - 1 : 0;
  return x;
}
const abs = (x: Float32Array) => Float32Array.from(x, Math.abs);

/** Exact equality of two float arrays (jest's toEqual is far too slow on 100k-element arrays). */
function expectSame(got: Float32Array, want: Float32Array, what = 'array'): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

type Form = 'gemm' | 'gemmTN' | 'gemmNT';
/** Element sizes of a and b for a form (a (M,K) / (K,M), b (K,N) / (N,K)). */
function expectClose(got: Float32Array, want: Float32Array, mag: Float32Array, K: number, what: string): void {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const tol = 2 * (K + 2) * EPS * mag[i] + 1e-30;
    const r = Math.abs(got[i] - want[i]) / tol;
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
  }
  if (!(worst <= 1)) throw new Error(`${what}: element ${at} is ${got[at]}, reference ${want[at]} (error ${worst.toFixed(2)}× the bound)`);
}

/** Runs one GEMM form on `be` and on the reference and compares them. */
function checkGemm(be: Backend, form: Form, M: number, K: number, N: number, accumulate: boolean, density = 1): void {
  const a = rand(be, M * K, density);
  const b = rand(be, K * N);
  const out = rand(be, M * N);
  const want = Float32Array.from(out);
  const mag = accumulate ? abs(out) : new Float32Array(M * N);
  const a0 = Float32Array.from(a);
  const b0 = Float32Array.from(b);
  ref[form](want, a0, b0, M, K, N, accumulate);
  ref[form](mag, abs(a0), abs(b0), M, K, N, true);
  const ret = be[form](out, a, b, M, K, N, accumulate);
  expect(ret).toBe(out);
  expectSame(a, a0);
  expectSame(b, b0);
  expectClose(out, want, mag, K, `${be.name} ${form} ${M}x${K}x${N} acc=${accumulate} density=${density}`);
}

describe.each(backends.map((be) => [be.name, be] as const))('backend %s', (_name, be) => {
  describe.each(['gemm', 'gemmTN', 'gemmNT'] as Form[])('%s', (form) => {
    test.each(SHAPES)('%ix%ix%i matches the reference, accumulate false and true', (M, K, N) => {
      checkGemm(be, form, M, K, N, false);
      checkGemm(be, form, M, K, N, true);
    });

    test('sparse A (MNIST-like 20% nonzero, Fashion-like 50%, all zero) matches the reference', () => {
      for (const density of [0.2, 0.5, 0]) {
        checkGemm(be, form, 64, 784, 128, false, density);
        checkGemm(be, form, 784, 64, 128, true, density);
        checkGemm(be, form, 13, 29, 37, true, density);
      }
      checkGemm(be, form, 700, 400, 24, true, 0.2); // the wasm zero-skipping path in 2 row blocks
    });

    test('K = 0 gives zeros, or leaves out as it was under accumulate', () => {
      const out = rand(be, 12);
      const before = Float32Array.from(out);
      be[form](out, be.alloc(0), be.alloc(0), 3, 0, 4, true);
      expectSame(out, before);
      be[form](out, be.alloc(0), be.alloc(0), 3, 0, 4, false);
      expectSame(out, new Float32Array(12));
    });
  });

  test.each(SHAPES)('denseForward %ix%ix%i with and without bias matches gemm + addBias', (B, C, OC) => {
    for (const withBias of [true, false]) {
      for (const density of [1, 0.2]) {
        const inp = rand(be, B * C, density);
        const w = rand(be, C * OC);
        const bias = withBias ? rand(be, OC) : null;
        const out = rand(be, B * OC); // garbage that must be overwritten
        const inp0 = Float32Array.from(inp);
        const w0 = Float32Array.from(w);
        const want = new Float32Array(B * OC);
        ref.denseForward(want, inp0, w0, bias ? Float32Array.from(bias) : null, B, C, OC);
        const mag = new Float32Array(B * OC);
        ref.gemm(mag, abs(inp0), abs(w0), B, C, OC);
        if (bias) ref.addBias(mag, mag, abs(bias), B, OC);
        expect(be.denseForward(out, inp, w, bias, B, C, OC)).toBe(out);
        expectSame(inp, inp0);
        expectSame(w, w0);
        expectClose(out, want, mag, C, `${be.name} denseForward ${B}x${C}x${OC}`);
      }
    }
  });

  test.each([[1, 1], [3, 7], [64, 128], [5, 10], [33, 65]])('addBias %ix%i: writes and returns out, inputs unchanged, out may alias x', (M, N) => {
    const x = rand(be, M * N);
    const bias = rand(be, N);
    const x0 = Float32Array.from(x);
    const bias0 = Float32Array.from(bias);
    const want = ref.addBias(new Float32Array(M * N), x0, bias0, M, N);
    const out = rand(be, M * N);
    expect(be.addBias(out, x, bias, M, N)).toBe(out);
    expectSame(out, want); // one addition per element: exact
    expectSame(x, x0);
    expectSame(bias, bias0);
    expect(be.addBias(x, x, bias, M, N)).toBe(x); // aliasing
    expectSame(x, want);
  });

  test.each([[1, 1], [3, 7], [64, 128], [64, 10], [33, 65]])('colSum %ix%i matches the reference, accumulate false and true', (M, N) => {
    for (const accumulate of [false, true]) {
      const x = rand(be, M * N);
      const x0 = Float32Array.from(x);
      const out = rand(be, N);
      const want = Float32Array.from(out);
      ref.colSum(want, x0, M, N, accumulate);
      const mag = accumulate ? abs(out) : new Float32Array(N);
      ref.colSum(mag, abs(x0), M, N, true);
      expect(be.colSum(out, x, M, N, accumulate)).toBe(out);
      expectSame(x, x0);
      expectClose(out, want, mag, M, `${be.name} colSum ${M}x${N}`);
    }
  });
});

describe('wasm backend specifics', () => {
  test('the FMA build is loaded where this runtime compiles relaxed SIMD (Node 20: after setting its V8 flag), and is the one in use', () => {
    const probe = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0, 10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 2, 0x0b);
    const relaxed = wasmApi!.validate(probe) && process.env.SCRATCHNET_WASM_FMA !== '0';
    expect(wasm.fmaAvailable).toBe(relaxed);
    expect(wasm.options.fma).toBe(relaxed);
    expect(wasm.kernelsInUse).toBe(relaxed ? 'relaxed-SIMD FMA' : 'SIMD (multiply, then add)');
    const plain = wasmVariant(wasm, 'plain', { fma: false });
    // Both builds agree with the reference within the tolerance; where the CPU fuses, they may differ in the last bits.
    const a = rand(wasm, 64 * 96);
    const b = rand(wasm, 96 * 40);
    const want = ref.gemm(new Float32Array(64 * 40), a, b, 64, 96, 40);
    for (const be of [wasm, plain]) {
      const got = be.gemm(wasm.alloc(64 * 40), a, b, 64, 96, 40);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2 * 98 * EPS * 96);
    }
  });

  test('plain Float32Arrays outside wasm memory work (staged copies), results written back', () => {
    const M = 17, K = 33, N = 65;
    const a = Float32Array.from({ length: M * K }, () => rng.uniform() - 0.5);
    const b = Float32Array.from({ length: K * N }, () => rng.uniform() - 0.5);
    const out = Float32Array.from({ length: M * N }, () => rng.uniform());
    const want = ref.gemm(Float32Array.from(out), a, b, M, K, N, true);
    const mag = ref.gemm(abs(out), abs(a), abs(b), M, K, N, true);
    expect(wasm.gemm(out, a, b, M, K, N, true)).toBe(out);
    expectClose(out, want, mag, K, 'foreign gemm');
    const bias = Float32Array.from({ length: N }, () => rng.uniform());
    const x = Float32Array.from(out);
    expect(wasm.addBias(x, x, bias, M, N)).toBe(x);
    expectSame(x, ref.addBias(new Float32Array(M * N), out, bias, M, N));
  });

  test('mid-sized GEMMs try one and two threads and keep timing both; results do not depend on it', () => {
    const M = 64, K = 777, N = 96; // like layer 1 of the MLP: between ADAPT_MIN_WORK and THREAD_MIN_WORK; a shape no other test uses
    const a = rand(wasm, M * K, 0.2);
    const b = rand(wasm, K * N);
    const one = wasm.alloc(M * N);
    const out = wasm.alloc(M * N);
    Object.assign(wasm.options, { threads: false });
    wasm.gemm(one, a, b, M, K, N);
    Object.assign(wasm.options, { threads: process.env.SCRATCHNET_WASM_THREADS !== '1' });
    const before = wasm.threadChoices().length;
    for (let r = 0; r < 12; r++) {
      wasm.gemm(out, a, b, M, K, N);
      expectSame(out, one);
    }
    if (wasm.options.threads) {
      const c = wasm.threadChoices();
      expect(c.length).toBe(before + 1);
      const last = c[c.length - 1];
      expect(last.n[0]).toBeGreaterThanOrEqual(4); // warm-up: 4 calls on one thread, then 4 on two
      expect(last.n[1]).toBeGreaterThanOrEqual(4);
      expect(last.ms[0]).toBeGreaterThan(0);
      expect(last.ms[1]).toBeGreaterThan(0);
    }
  });

  test('where worker threads cannot start, split GEMMs run whole on the calling thread', () => {
    const saved = platform();
    setPlatform({ ...saved, startWorker: () => { throw new Error('no threads here'); } });
    try {
      const fresh = createWasmBackend(readWasmModules()!);
      fresh.options.threadMinWork = 1;
      const M = 40, K = 50, N = 60;
      const a = rand(fresh, M * K);
      const b = rand(fresh, K * N);
      const out = fresh.alloc(M * N);
      fresh.gemm(out, a, b, M, K, N);
      const want = ref.gemm(new Float32Array(M * N), Float32Array.from(a), Float32Array.from(b), M, K, N);
      expectClose(out, want, ref.gemm(new Float32Array(M * N), abs(a), abs(b), M, K, N), K, 'gemm without threads');
      expect(fresh.threadStats.stolen + fresh.threadStats.worker).toBe(0);
      fresh.shutdown();
    } finally {
      setPlatform(saved);
    }
  });

  test('buffers too short for the shape are refused', () => {
    expect(() => wasm.gemm(wasm.alloc(5), wasm.alloc(6), wasm.alloc(6), 2, 3, 3)).toThrow(RangeError);
    expect(() => wasm.colSum(wasm.alloc(2), wasm.alloc(6), 2, 3)).toThrow(/out has 2 floats, the shape needs 3/);
  });

  test('two threads give bit-identical results to one (split along N and along M, tall products along M)', () => {
    for (const [M, K, N] of [[64, 784, 128], [300, 70, 20], [64, 128, 784], [611, 290, 64], [290, 611, 64]]) {
      for (const form of ['gemm', 'gemmTN', 'gemmNT'] as Form[]) {
        for (const sparse of ['never', 'always'] as const) {
          const a = rand(wasm, M * K, 0.3);
          const b = rand(wasm, K * N);
          const one = wasm.alloc(M * N);
          const two = wasm.alloc(M * N);
          Object.assign(wasm.options, { threads: false, sparse });
          wasm[form](one, a, b, M, K, N);
          Object.assign(wasm.options, { threads: true, threadMinWork: 1 });
          wasm[form](two, a, b, M, K, N);
          Object.assign(wasm.options, { threads: process.env.SCRATCHNET_WASM_THREADS !== '1', threadMinWork: THREAD_MIN_WORK, sparse: 'auto' });
          expectSame(two, one);
        }
      }
    }
    // Each split half ran either on the worker or, when it was not running yet, back on this thread.
    expect(wasm.threadStats.worker + wasm.threadStats.stolen).toBeGreaterThan(0);
  });
});

describe('wasm memory', () => {
  test('the memory map is declared once (layout.json) and checked: control blocks, then static data, then the heap', () => {
    expect(() => checkLayout()).not.toThrow();
    expect(HEAP_BASE).toBe(LAYOUT.heapStart);
    expect(wasm.heap.alloc(1).byteOffset).toBeGreaterThanOrEqual(LAYOUT.heapStart);
    // Seven 128-byte control blocks from byte 64 end at 960, below the static data at 1024; one more would not fit.
    expect(() => checkLayout({ ...LAYOUT, controlBlock: { ...LAYOUT.controlBlock, count: LAYOUT.controlBlock.count + 1 } })).toThrow(/inconsistent/);
    expect(() => checkLayout({ ...LAYOUT, heapStart: LAYOUT.staticData })).toThrow(/layout\.json/);
  });

  const be: WasmBackend = wasm;

  test('alloc returns zero-filled, 64-byte aligned views of the wasm memory, also after free and reuse', () => {
    const xs = [1, 3, 16, 17, 1000].map((n) => be.alloc(n));
    for (const x of xs) {
      expect(x.byteOffset % 64).toBe(0);
      expect(x.every((v) => v === 0)).toBe(true);
      expect(be.heap.offsetOf(x)).toBe(x.byteOffset);
      x.fill(7);
    }
    expect(xs[1].length).toBe(3);
    for (const x of xs) be.free(x);
    const ys = [1000, 17, 3].map((n) => be.alloc(n));
    for (const y of ys) expect(y.every((v) => v === 0)).toBe(true);
    for (const y of ys) be.free(y);
  });

  test('free returns memory for reuse; freeing twice or a foreign array throws', () => {
    const live = be.heap.liveBytes;
    const x = be.alloc(1 << 16);
    expect(be.heap.liveBytes).toBe(live + (1 << 18));
    be.free(x);
    expect(be.heap.liveBytes).toBe(live);
    expect(() => be.free(x)).toThrow(/not returned by the wasm backend's alloc, or was freed already/);
    expect(() => be.free(new Float32Array(4))).toThrow();
    const y = be.alloc(1 << 16);
    expect(y.byteOffset).toBe(x.byteOffset); // the same block again
    be.free(y);
  });

  test('past the heap budget alloc returns ordinary arrays, which the kernels still accept', () => {
    const saved = be.options.heapBudget;
    be.options.heapBudget = be.heap.liveBytes + 1024;
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const a = be.alloc(100); // fits: 400 bytes
      const b = be.alloc(1000); // does not
      expect(be.heap.offsetOf(a)).toBe(a.byteOffset);
      expect(be.heap.offsetOf(b)).toBe(-1);
      expect(b.every((v) => v === 0)).toBe(true);
      be.alloc(1000);
      expect(warn).toHaveBeenCalledTimes(1);
      b.fill(1);
      const out = be.alloc(10);
      expect(be.colSum(out, b, 100, 10)).toBe(out);
      expectSame(out, new Float32Array(10).fill(100));
      be.free(a);
    } finally {
      be.options.heapBudget = saved;
      warn.mockRestore();
    }
  });

  test('views survive memory growth, and kernels still accept them', () => {
    const M = 8, K = 9, N = 10;
    const a = rand(be, M * K);
    const b = rand(be, K * N);
    const a0 = Float32Array.from(a);
    const cap = be.heap.capacity;
    const big = be.alloc(cap); // 4× the current capacity in bytes: forces growth
    expect(be.heap.capacity).toBeGreaterThan(cap);
    expectSame(a, a0); // still attached and unchanged
    expect(a.buffer.byteLength).toBeLessThan(be.heap.capacity); // an old SharedArrayBuffer object
    const out = be.alloc(M * N);
    be.gemm(out, a, b, M, K, N);
    const want = ref.gemm(new Float32Array(M * N), a0, Float32Array.from(b), M, K, N);
    expectClose(out, want, ref.gemm(new Float32Array(M * N), abs(a0), abs(b), M, K, N), K, 'gemm after growth');
    expect(be.heap.offsetOf(a)).toBe(a.byteOffset); // recognised as wasm memory, not staged
    be.free(big);
  });
});
