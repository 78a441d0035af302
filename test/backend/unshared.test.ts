// The wasm backend's unshared build (dist/lib/backend/wasm/unshared/, what a page that is not
// cross-origin isolated runs) on Node: the same kernels as the shared build, so the same bits for every
// kernel and for a CNN's training steps; on a fixed heap that never grows, so no buffer is ever detached,
// and buffers beyond it become ordinary arrays; one thread whatever is asked.

import { BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D, ReLU, Sequential, Tensor, convGeometry, registerBackend, setBackend, getBackend } from '../../lib';
import { platform, setPlatform } from '../../lib/backend/platform';
import { createWasmBackend, loadWasmBackend, readWasmModules, shutdown, type WasmBackend } from '../../lib/backend/wasm';
import { WasmHeapFullError } from '../../lib/backend/wasm/memory';
import { Rng } from '../../lib/rng';

const HEAP = 16 * 2 ** 20;
const shared = loadWasmBackend();
const modules = readWasmModules('unshared');
// Without the FMA build, as a page loads it (lib/web/wasm.ts).
const unshared = createWasmBackend({ ...modules!, kernelsFma: null }, { shared: false, heapBytes: HEAP });
registerBackend('wasm-unshared', () => unshared);
// The unshared build is compared with the shared build's plain SIMD kernels (the page never takes FMA).
const fma = shared.options.fma;
beforeAll(() => (shared.options.fma = false));
afterAll(() => {
  shared.options.fma = fma;
  setBackend('wasm');
  shutdown();
});

function filled(be: WasmBackend, n: number, rng: Rng, density = 1): Float32Array {
  const a = be.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() < density ? rng.normal() : 0;
  return a;
}
/** The same values in each backend's memory. */
function pair(n: number, seed: number, density = 1): [Float32Array, Float32Array] {
  const a = filled(shared, n, new Rng(seed), density);
  const b = unshared.alloc(n);
  b.set(a);
  return [a, b];
}

test('the unshared build loads on an unshared memory, with its step and image kernels, on one thread', () => {
  expect(modules).not.toBeNull();
  expect(unshared.shared).toBe(false);
  // (by tag: the buffers come from Node's realm, not the test's)
  expect(Object.prototype.toString.call(unshared.heap.memory.buffer)).toBe('[object ArrayBuffer]');
  expect(unshared.heap.memory.buffer.byteLength).toBe(HEAP);
  expect(Object.prototype.toString.call(shared.heap.memory.buffer)).toBe('[object SharedArrayBuffer]');
  expect(unshared.fmaAvailable).toBe(false);
  expect(unshared.options.threads).toBe(false);
  expect(unshared.imageKernels).toBeTruthy();
  expect(unshared.stepKernels).not.toBe(shared.stepKernels);
});

test('a module of the other build is refused, naming the build to use', () => {
  expect(() => createWasmBackend(readWasmModules('shared')!, { shared: false, heapBytes: HEAP })).toThrow(/unshared build is dist\/lib\/backend\/wasm\/unshared/);
  expect(() => createWasmBackend(modules!, { shared: true })).toThrow(/shared build is dist\/lib\/backend\/wasm\/\*\.wasm/);
  expect(() => createWasmBackend(modules!, { shared: false, heapBytes: 1000 })).toThrow(/heapBytes: expected a multiple of 65536/);
});

describe.each([
  ['dense', 1],
  ['zero-skipping (MNIST-like sparsity)', 0.2],
])('GEMMs, %s: bit for bit the shared build', (_name, density) => {
  test.each([[64, 784, 128], [33, 70, 17], [128, 256, 300]])('M %i, K %i, N %i', (M, K, N) => {
    const [a1, a2] = pair(M * K, M + K, density);
    const [b1, b2] = pair(K * N, N);
    const [c1, c2] = pair(N, 7);
    const forms = [
      (be: WasmBackend, a: Float32Array, b: Float32Array) => be.gemm(be.alloc(M * N), a, b, M, K, N),
      (be: WasmBackend, a: Float32Array, b: Float32Array) => be.gemmTN(be.alloc(M * N), a, b, M, K, N),
      (be: WasmBackend, a: Float32Array, b: Float32Array) => be.gemmNT(be.alloc(M * N), a, b, M, K, N),
      (be: WasmBackend, a: Float32Array, b: Float32Array, bias: Float32Array) => be.denseForward(be.alloc(M * N), a, b, bias, M, K, N),
    ];
    for (const f of forms) expect(Array.from(f(unshared, a2, b2, c2))).toEqual(Array.from(f(shared, a1, b1, c1)));
  });
});

test('two threads asked of the unshared build: the work stays on this thread, same result', () => {
  const [M, K, N] = [256, 256, 256];
  const [a1, a2] = pair(M * K, 1);
  const [b1, b2] = pair(K * N, 2);
  Object.assign(unshared.options, { threads: true, threadMinWork: 1 });
  try {
    const got = unshared.gemm(unshared.alloc(M * N), a2, b2, M, K, N);
    expect(unshared.threadStats).toEqual({ worker: 0, stolen: 0 });
    expect(Array.from(got)).toEqual(Array.from(shared.gemm(shared.alloc(M * N), a1, b1, M, K, N)));
  } finally {
    Object.assign(unshared.options, { threads: false, threadMinWork: shared.options.threadMinWork });
  }
});

test('step and image kernels: bit for bit the shared build', () => {
  const n = 1000;
  const [p1, p2] = pair(n, 1);
  const [g1, g2] = pair(n, 2);
  const [d1, d2] = pair(n, 3);
  const [m1, m2] = [shared.alloc(n), unshared.alloc(n)];
  const [v1, v2] = [shared.alloc(n), unshared.alloc(n)];
  const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, c2: 0.5, mScale: 1.2, gScale: 0.1 };
  for (let t = 0; t < 3; t++) {
    shared.stepKernels.adam(p1, g1, d1, m1, v1, h);
    unshared.stepKernels.adam(p2, g2, d2, m2, v2, h);
  }
  expect(Array.from(p2)).toEqual(Array.from(p1));

  const g = convGeometry(12, 10, 3, 3, 3, 1, 1, [1, 1]);
  const B = 2;
  const [x1, x2] = pair(B * g.H * g.W * g.C, 4);
  const cols = (be: WasmBackend, x: Float32Array) => {
    const out = be.alloc(B * g.OH * g.OW * g.KH * g.KW * g.C);
    expect(be.imageKernels!.im2col(out, x, B, g)).toBe(true);
    return Array.from(out);
  };
  expect(cols(unshared, x2)).toEqual(cols(shared, x1));
  const pg = convGeometry(12, 10, 3, 2, 2, 2, 2, 'valid');
  const pool = (be: WasmBackend, x: Float32Array) => {
    const n = B * pg.OH * pg.OW * pg.C;
    const out = be.alloc(n);
    const argmax = new Int32Array(be.alloc(n).buffer, be.alloc(n).byteOffset, n);
    expect(be.imageKernels!.maxPoolForward(out, argmax, x, B, pg)).toBe(true);
    return [...out, ...argmax];
  };
  expect(pool(unshared, x2)).toEqual(pool(shared, x1));
});

test('a CNN with batch norm trains to the same bits on both builds', () => {
  function run(backend: string, be: WasmBackend): { loss: number[]; params: number[] } {
    setBackend(backend);
    expect(getBackend()).toBe(be);
    const model = new Sequential([
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }),
      new BatchNormalization(),
      new ReLU(),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 10 }),
    ], { inputShape: [8, 8, 1], seed: 3 });
    model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 0.01 }, loss: 'softmax_cross_entropy' });
    const rng = new Rng(5);
    const x = new Tensor(Float32Array.from({ length: 16 * 64 }, () => rng.uniform()), [16, 8, 8, 1]);
    const y = new Tensor(new Float32Array(16 * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0)), [16, 10]);
    const loss: number[] = [];
    for (let s = 0; s < 4; s++) loss.push(model.trainOnBatch(x, y).loss);
    expect((model.layers[0] as unknown as { backend: unknown }).backend).toBe(be);
    const params = model.layers.flatMap((l) => l.params.flatMap((p) => Array.from(p.value)));
    return { loss, params };
  }
  const a = run('wasm', shared);
  const b = run('wasm-unshared', unshared);
  expect(b.loss).toEqual(a.loss);
  expect(b.params).toEqual(a.params);
  expect(a.loss[3]).toBeLessThan(a.loss[0]);
});

describe('the fixed heap', () => {
  test('never grows, so views made before it filled keep their memory; beyond it, ordinary arrays', () => {
    const be = createWasmBackend(modules!, { shared: false, heapBytes: 2 * 2 ** 20 });
    const warnings: string[] = [];
    const saved = platform();
    setPlatform({ ...saved, warn: (m) => warnings.push(m) });
    try {
      const first = be.alloc(1000).fill(3);
      const buffer = be.heap.memory.buffer;
      const kept: Float32Array[] = [];
      for (let i = 0; i < 12; i++) kept.push(be.alloc(65536)); // 12 x 256 KiB > 3/4 of 2 MiB
      expect(be.heap.memory.buffer).toBe(buffer); // not grown: nothing detached
      expect(buffer.byteLength).toBe(2 * 2 ** 20);
      expect(first.length).toBe(1000);
      expect(first.every((v) => v === 3)).toBe(true);
      const inHeap = kept.filter((k) => be.heap.offsetOf(k) >= 0).length;
      expect(inHeap).toBeGreaterThan(0);
      expect(inHeap).toBeLessThan(kept.length);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/as much as its fixed heap takes; new buffers are ordinary Float32Arrays/);
      // Kernels take the ordinary arrays too (staged through copies).
      const outside = kept[kept.length - 1];
      expect(be.heap.offsetOf(outside)).toBe(-1);
      outside.fill(1);
      const out = new Float32Array(4);
      be.gemm(out, outside, first, 2, 2, 2);
      expect(Array.from(out)).toEqual([6, 6, 6, 6]);
      // The allocator itself says why it cannot give more.
      expect(() => be.heap.alloc(2 ** 20)).toThrow(WasmHeapFullError);
      expect(() => be.heap.alloc(2 ** 20)).toThrow(/fixed heap/);
    } finally {
      setPlatform(saved);
    }
  });
});
