// The wasm backend's input handle: a Dense layer's forward pass keeps x's nonzero count and compressed
// rows, and the weight gradient dW = xᵀ·dz of its backward pass reuses them (xᵀ's compressed rows by a
// counting sort of x's). Every result must be the same to the bit as without the handle (x counted and
// compressed again, from x's columns), on one thread and on two, and as the dense kernel's, whose every
// element also adds its products one k at a time in increasing k (a zero term adds exactly nothing).

import type { Backend } from '../../lib/backend/backend';
import * as ref from '../../lib/backend/reference';
import { loadWasmBackend, shutdown, type WasmBackend } from '../../lib/backend/wasm';
import { Dense } from '../../lib/layers/dense';
import { bindParams } from '../../lib/layers/layer';
import { Tensor } from '../../lib/tensor';
import { Rng } from '../../lib/rng';

const wasm: WasmBackend = loadWasmBackend();
afterAll(() => shutdown());
const defaults = { ...wasm.options };
afterEach(() => Object.assign(wasm.options, defaults));

const rng = new Rng(2024);
/**
 * An MNIST-like batch (B, C) in wasm memory: ~20% nonzero in runs (a digit's strokes), some rows all
 * zero, one row all nonzero, values in (0, 1] (as pixels) or of both signs.
 */
function batch(x: Float32Array, B: number, C: number, signed = false): Float32Array {
  x.fill(0, 0, B * C);
  for (let b = 0; b < B; b++) {
    const row = b * C;
    if (b % 11 === 3) continue; // an empty row
    if (b % 17 === 5) {
      for (let c = 0; c < C; c++) x[row + c] = 0.5 + rng.uniform() / 2;
      continue;
    }
    for (let c = 0; c < C; ) {
      if (rng.uniform() < 0.06) {
        const run = 1 + Math.floor(rng.uniform() * 5);
        for (let r = 0; r < run && c < C; r++, c++) {
          const v = 1 - rng.uniform();
          x[row + c] = signed && rng.uniform() < 0.5 ? -v : v;
        }
      } else c++;
    }
  }
  return x;
}
function fill(x: Float32Array, scale = 1): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = (rng.uniform() * 2 - 1) * scale;
  return x;
}
/** Bit-for-bit equality (±0 and NaN payloads included). */
function expectBits(got: Float32Array, want: Float32Array, what: string): void {
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < w.length; i++) if (g[i] !== w[i]) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
}
/** |got − want| within the float32 summation bound of K terms (as in kernels.test.ts). */
function expectClose(got: Float32Array, want: Float32Array, mag: Float32Array, K: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 2 * (K + 2) * 2 ** -24 * mag[i] + 1e-30)) throw new Error(`${what}: element ${i} is ${got[i]}, reference ${want[i]}`);
  }
}

const ONE = { threads: false };
const TWO = { threads: true, threadMinWork: 1 };

/** One forward z = x·W + b and one dW += xᵀ·dz, with `handle` (or none) under the given options. */
function step(opts: object, handle: ReturnType<NonNullable<Backend['inputHandle']>> | null, x: Float32Array, w: Float32Array, bias: Float32Array, dz: Float32Array, dW0: Float32Array, B: number, C: number, OC: number) {
  Object.assign(wasm.options, opts);
  const z = wasm.alloc(B * OC);
  const dW = wasm.alloc(C * OC);
  dW.set(dW0);
  wasm.denseForward(z, x, w, bias, B, C, OC, handle);
  wasm.gemmTN(dW, x, dz, C, B, OC, true, handle);
  Object.assign(wasm.options, defaults);
  return { z, dW };
}

describe('the wasm backend reuses a forward input for the weight gradient, bit-identically', () => {
  // Batches that are not multiples of the kernels' blocks (2 threads split the rows in halves, 4-nonzero
  // groups, 4-column vectors), a batch big enough for the product to be split (128·784·128 ≥ 2²¹), and
  // widths with a 4-column tail (66) and without.
  const shapes: [number, number, number][] = [[128, 784, 128], [1, 784, 128], [2, 30, 64], [7, 50, 64], [67, 784, 66], [129, 97, 132], [500, 784, 64]];

  test.each(shapes)('B=%i C=%i OC=%i: with the handle = without it = the dense kernel (one and two threads)', (B, C, OC) => {
    const x = batch(wasm.alloc(B * C), B, C);
    const w = fill(wasm.alloc(C * OC), 0.1);
    const bias = fill(wasm.alloc(OC));
    const dz = fill(wasm.alloc(B * OC), 0.01);
    const dW0 = fill(wasm.alloc(C * OC));
    const handle = wasm.inputHandle();
    const base = step({ ...ONE, sparse: 'auto' }, null, x, w, bias, dz, dW0, B, C, OC);
    for (const sparse of ['auto', 'always'] as const) {
      for (const threads of [ONE, TWO]) {
        const what = `${B}x${C}x${OC} ${sparse} ${threads.threads ? 2 : 1} thread(s)`;
        // (the plain-SIMD build too, where the FMA one is the default)
        if (wasm.fmaAvailable) {
          const plain = step({ ...threads, sparse, fma: false }, handle, x, w, bias, dz, dW0, B, C, OC);
          const want = step({ ...threads, sparse, fma: false }, null, x, w, bias, dz, dW0, B, C, OC);
          expectBits(plain.z, want.z, `forward, plain SIMD, ${what}`);
          expectBits(plain.dW, want.dW, `dW, plain SIMD, ${what}`);
        }
        const got = step({ ...threads, sparse }, handle, x, w, bias, dz, dW0, B, C, OC);
        expectBits(got.z, base.z, `forward, ${what}`);
        expectBits(got.dW, base.dW, `dW, ${what}`);
        const plain = step({ ...threads, sparse }, null, x, w, bias, dz, dW0, B, C, OC);
        expectBits(plain.z, base.z, `forward without the handle, ${what}`);
        expectBits(plain.dW, base.dW, `dW without the handle, ${what}`);
      }
    }
    // The dense kernel sums the same products in the same order (its 4-column tail in another order).
    if (OC % 4 === 0) {
      const dense = step({ ...ONE, sparse: 'never' }, null, x, w, bias, dz, dW0, B, C, OC);
      expectBits(base.z, dense.z, 'forward against the dense kernel');
      expectBits(base.dW, dense.dW, 'dW against the dense kernel');
    }
    // And the reference, within float32 rounding.
    const x0 = Float32Array.from(x);
    const z = ref.denseForward(new Float32Array(B * OC), x0, Float32Array.from(w), Float32Array.from(bias), B, C, OC);
    const zMag = ref.gemm(Float32Array.from({ length: B * OC }, (_, i) => Math.abs(bias[i % OC])), x0.map(Math.abs), w.map(Math.abs), B, C, OC, true);
    expectClose(base.z, z, zMag, C, 'forward against the reference');
    const dW = ref.gemmTN(Float32Array.from(dW0), x0, Float32Array.from(dz), C, B, OC, true);
    const dWMag = ref.gemmTN(dW0.map(Math.abs), x0.map(Math.abs), dz.map(Math.abs), C, B, OC, true);
    expectClose(base.dW, dW, dWMag, B, 'dW against the reference');
    handle.dispose();
  });

  test('an x that changes between steps (same buffer, new batch) is compressed anew each forward pass', () => {
    const [B, C, OC] = [129, 784, 128];
    const x = wasm.alloc(B * C);
    const w = fill(wasm.alloc(C * OC), 0.1);
    const bias = fill(wasm.alloc(OC));
    const dz = wasm.alloc(B * OC);
    const dW0 = wasm.alloc(C * OC);
    const handle = wasm.inputHandle();
    for (let s = 0; s < 6; s++) {
      batch(x, B, C, s % 2 === 1);
      fill(dz, 0.01);
      const threads = s % 3 === 0 ? ONE : TWO;
      const got = step(threads, handle, x, w, bias, dz, dW0, B, C, OC);
      const want = step(ONE, null, x, w, bias, dz, dW0, B, C, OC);
      expectBits(got.z, want.z, `forward, step ${s}`);
      expectBits(got.dW, want.dW, `dW, step ${s}`);
    }
    handle.dispose();
  });

  test('xᵀ made on the helper thread after a split forward pass: two forwards in a row, other products between, dispose before backward', () => {
    const [B, C, OC] = [128, 784, 128];
    const x = batch(wasm.alloc(B * C), B, C);
    const x2 = batch(wasm.alloc(B * C), B, C, true);
    const w = fill(wasm.alloc(C * OC), 0.1);
    const bias = fill(wasm.alloc(OC));
    const dz = fill(wasm.alloc(B * OC), 0.01);
    const dW0 = fill(wasm.alloc(C * OC));
    const want = step(ONE, null, x2, w, bias, dz, dW0, B, C, OC);
    const handle = wasm.inputHandle();
    Object.assign(wasm.options, TWO);
    const z = wasm.alloc(B * OC);
    wasm.denseForward(z, x, w, bias, B, C, OC, handle); // its xᵀ job may still be running
    wasm.denseForward(z, x2, w, bias, B, C, OC, handle); // rewrites the handle: the job is joined first
    // Other split products in between (the helper's next jobs join the pending one first).
    const other = wasm.gemm(wasm.alloc(B * OC), x, w, B, C, OC);
    const dW = wasm.alloc(C * OC);
    dW.set(dW0);
    wasm.gemmTN(dW, x2, dz, C, B, OC, true, handle);
    Object.assign(wasm.options, defaults);
    expectBits(z, want.z, 'forward');
    expectBits(dW, want.dW, 'dW');
    expectBits(other, step(ONE, null, x, w, new Float32Array(OC), dz, dW0, B, C, OC).z, 'a product in between');
    // Disposed while its job may be running: the job is joined before the buffers are freed.
    const h2 = wasm.inputHandle();
    Object.assign(wasm.options, TWO);
    wasm.denseForward(z, x, w, bias, B, C, OC, h2);
    h2.dispose();
    Object.assign(wasm.options, defaults);
    expectBits(wasm.gemmTN(wasm.alloc(C * OC), x2, dz, C, B, OC), step(ONE, null, x2, w, bias, dz, new Float32Array(C * OC), B, C, OC).dW, 'dW after a disposed handle');
    handle.dispose();
  });

  test('a handle that does not describe the gemmTN input is not used', () => {
    const [B, C, OC] = [64, 784, 128];
    const x = batch(wasm.alloc(B * C), B, C);
    const other = batch(wasm.alloc(B * C), B, C);
    const w = fill(wasm.alloc(C * OC), 0.1);
    const dz = fill(wasm.alloc(B * OC), 0.01);
    const handle = wasm.inputHandle();
    wasm.denseForward(wasm.alloc(B * OC), x, w, null, B, C, OC, handle);
    const got = wasm.gemmTN(wasm.alloc(C * OC), other, dz, C, B, OC, false, handle);
    const want = wasm.gemmTN(wasm.alloc(C * OC), other, dz, C, B, OC);
    expectBits(got, want, 'dW of another array');
    // The same array read as another shape (B/2 rows of 2C) is another matrix.
    const half = wasm.gemmTN(wasm.alloc(2 * C * OC), x, dz, 2 * C, B / 2, OC, false, handle);
    expectBits(half, wasm.gemmTN(wasm.alloc(2 * C * OC), x, dz, 2 * C, B / 2, OC), 'dW of another shape');
    handle.dispose();
  });

  test('a Dense layer passes the handle only from a training forward pass', () => {
    const [B, C, OC] = [32, 784, 64];
    const layer = new Dense({ units: OC });
    layer.build([C], wasm);
    bindParams([layer], wasm, new Rng(7));
    const x = new Tensor(batch(wasm.alloc(B * C), B, C), [B, C]);
    const dz = new Tensor(fill(wasm.alloc(B * OC), 0.01), [B, OC]);
    const grad = (): Float32Array => {
      layer.kernel.grad.fill(0);
      layer.backward(dz);
      return Float32Array.from(layer.kernel.grad);
    };
    const want = (): Float32Array => ref.gemmTN(new Float32Array(C * OC), Float32Array.from(x.data), Float32Array.from(dz.data), C, B, OC);
    layer.forward(x, { training: true });
    const trained = grad();
    expectClose(trained, want(), ref.gemmTN(new Float32Array(C * OC), x.data.map(Math.abs), dz.data.map(Math.abs), C, B, OC), B, 'dW after a training forward');
    // A new batch in the same buffer seen by an evaluation forward pass: backward must not reuse the
    // training pass's compressed copy of the old batch.
    batch(x.data, B, C, true);
    layer.forward(x, { training: false });
    const evaluated = grad();
    expectClose(evaluated, want(), ref.gemmTN(new Float32Array(C * OC), x.data.map(Math.abs), dz.data.map(Math.abs), C, B, OC), B, 'dW after an evaluation forward');
    layer.dispose();
  });

});
