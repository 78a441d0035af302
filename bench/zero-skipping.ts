// The first Dense layer's zero-skipped products on real MNIST batches (the study FNN's and the MLP's layer 1
// at batch 128: x (128, 784) ~19% nonzero, W1 (784, 128), dz (128, 128)):
//  1. each kernel of assembly/kernels.ts alone on one thread, on the whole product and on one thread's
//     share of a two-thread split (half of x's rows; the rows of xᵀ holding half of its nonzeros);
//  2. the backend's denseForward + gemmTN through an input handle, one thread against two, per call, with
//     the split calls apart by whether the helper thread ran its half or this thread took it back.
// Before timing, the handle's results are checked bit for bit against the path without it.
//
//   node dist/bench/zero-skipping.js [--batches 400]

import '../lib/node/platform';
import { cpus, loadavg } from 'os';
import { loadWasmBackend, readWasmModules, shutdown } from '../lib/backend/wasm';
import { LAYOUT, wasmApi } from '../lib/backend/wasm/memory';
import { loadDataset } from '../lib/node/data';
import { formatTable, median } from '../lib/util/format';

const B = 128;
const C = 784;
const OC = 128;
const I32_MAX = 0x7fffffff;

interface CsrKernels {
  countNonzero(a: number, n: number): number;
  csrBuildRows(csr: number, M: number, i0: number, i1: number, a: number, ldai: number, K: number, base: number, end: number): number;
  csrTranspose(dst: number, src: number, M: number, K: number): number;
  csrMiddle(csr: number, i0: number, i1: number): number;
  csrGemmRows(c: number, ldc: number, csr: number, M: number, i0: number, i1: number, b: number, ldb: number, N: number, acc: number, bias: number): void;
}

/** x (B, C) = MNIST training images chosen by batch number r (the same for every run). */
function fillBatch(x: Float32Array, images: Float32Array, count: number, r: number): void {
  for (let b = 0; b < B; b++) {
    const j = (r * 7919 + b * 104729) % count;
    x.set(images.subarray(j * C, (j + 1) * C), b * C);
  }
}

function wave(x: Float32Array, scale: number, phase: number): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.7 + phase) * scale;
  return x;
}

function main(): void {
  const at = process.argv.indexOf('--batches');
  const batches = at > 0 ? Number(process.argv[at + 1]) : 400;
  const warm = Math.min(50, batches >> 2);
  const ds = loadDataset('mnist', { limit: { train: 12800, test: 0 } });
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}; ${batches} batches of ${B} MNIST images, layer 1 ${B}x${C}x${OC}`);

  // 1. The kernels alone, on a memory of their own (the FMA build where this runtime has it).
  const modules = readWasmModules('shared');
  if (!modules) throw new Error('kernels.wasm not built: npm run build');
  const memory = new wasmApi!.Memory({ initial: 256, maximum: 65536, shared: true });
  const k = new wasmApi!.Instance(modules.kernelsFma ?? modules.kernels, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as CsrKernels;
  let top = LAYOUT.heapStart;
  const take = (n: number): Float32Array => {
    const v = new Float32Array(memory.buffer, top, n);
    top += Math.ceil((n * 4) / 64) * 64;
    return v;
  };
  const x = take(B * C), w = wave(take(C * OC), 0.1, 0), z = take(B * OC), dz = wave(take(B * OC), 0.01, 1), dW = take(C * OC);
  const csr = take(B + 4 + 2 * (B * C + 1)), tcsr = take(C + 4 + 2 * (B * C + 1));
  const p = (v: Float32Array) => v.byteOffset;
  const times = new Map<string, number[]>();
  const time = (name: string, r: number, f: () => void): void => {
    const t0 = performance.now();
    f();
    const ms = performance.now() - t0;
    if (r >= warm) (times.get(name) ?? times.set(name, []).get(name)!).push(ms * 1000);
  };
  for (let r = 0; r < batches; r++) {
    fillBatch(x, ds.trainImages, ds.numTrain, r);
    let head = 0;
    time('count x\'s nonzeros (two halves)', r, () => {
      head = k.countNonzero(p(x), (B >> 1) * C);
      k.countNonzero(p(x) + (B >> 1) * C * 4, (B - (B >> 1)) * C);
    });
    time('compress x\'s rows: all', r, () => k.csrBuildRows(p(csr), B, 0, B, p(x), C * 4, C, 0, I32_MAX));
    time('compress x\'s rows: first half', r, () => k.csrBuildRows(p(csr), B, 0, B >> 1, p(x), C * 4, C, 0, head));
    k.csrBuildRows(p(csr), B, B >> 1, B, p(x), C * 4, C, head, I32_MAX);
    time('x·W1: all rows', r, () => k.csrGemmRows(p(z), OC * 4, p(csr), B, 0, B, p(w), OC * 4, OC, 0, 0));
    time('x·W1: first half of the rows', r, () => k.csrGemmRows(p(z), OC * 4, p(csr), B, 0, B >> 1, p(w), OC * 4, OC, 0, 0));
    time('xᵀ\'s rows by counting sort', r, () => k.csrTranspose(p(tcsr), p(csr), B, C));
    const mid = k.csrMiddle(p(tcsr), 0, C);
    time('xᵀ·dz: all rows', r, () => k.csrGemmRows(p(dW), OC * 4, p(tcsr), C, 0, C, p(dz), OC * 4, OC, 1, 0));
    time('xᵀ·dz: rows with half the nonzeros', r, () => k.csrGemmRows(p(dW), OC * 4, p(tcsr), C, 0, mid, p(dz), OC * 4, OC, 1, 0));
  }
  console.log('\n1. each kernel alone, one thread (µs per call, median)');
  console.log(formatTable(['kernel', 'µs'], [...times].map(([name, t]) => [name, median(t).toFixed(1)])));

  // 2. The backend: forward and weight gradient through a handle, one thread and two.
  const wasm = loadWasmBackend();
  const saved = { ...wasm.options };
  const bx = wasm.alloc(B * C), bw = wave(wasm.alloc(C * OC), 0.1, 0), bias = wave(wasm.alloc(OC), 0.1, 2), bz = wasm.alloc(B * OC);
  const bdz = wave(wasm.alloc(B * OC), 0.01, 1), bdW = wasm.alloc(C * OC), z0 = wasm.alloc(B * OC), dW0 = wasm.alloc(C * OC);
  const handle = wasm.inputHandle();
  // Check first: the handle's results against the path without it, bit for bit, on one thread and two.
  for (const threads of [{ threads: false }, { threads: true, threadMinWork: 1 }]) {
    Object.assign(wasm.options, threads);
    fillBatch(bx, ds.trainImages, ds.numTrain, 1);
    bdW.fill(0);
    dW0.fill(0);
    wasm.denseForward(bz, bx, bw, bias, B, C, OC, handle);
    wasm.gemmTN(bdW, bx, bdz, C, B, OC, true, handle);
    wasm.denseForward(z0, bx, bw, bias, B, C, OC);
    wasm.gemmTN(dW0, bx, bdz, C, B, OC, true);
    for (const [got, want] of [[bz, z0], [bdW, dW0]]) {
      for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) throw new Error(`zero-skipping bench: element ${i} differs with the handle (${got[i]} vs ${want[i]})`);
    }
  }
  const rows: string[][] = [];
  const per = { forward: [[], [], [], []] as number[][], 'weight gradient': [[], [], [], []] as number[][] };
  for (let r = 0; r < batches; r++) {
    fillBatch(bx, ds.trainImages, ds.numTrain, r);
    for (const two of [false, true]) {
      Object.assign(wasm.options, two ? { threads: true, threadMinWork: 1 } : { threads: false });
      for (const what of ['forward', 'weight gradient'] as const) {
        const ran = wasm.threadStats.worker;
        const t0 = performance.now();
        if (what === 'forward') wasm.denseForward(bz, bx, bw, bias, B, C, OC, handle);
        else wasm.gemmTN(bdW, bx, bdz, C, B, OC, true, handle);
        const us = (performance.now() - t0) * 1000;
        if (r < warm) continue;
        const t = per[what];
        if (!two) t[0].push(us);
        else {
          t[1].push(us);
          t[wasm.threadStats.worker > ran ? 2 : 3].push(us);
        }
      }
    }
  }
  Object.assign(wasm.options, saved);
  const cell = (t: number[]) => (t.length ? `${median(t).toFixed(1)} (${t.length})` : '-');
  for (const [what, t] of Object.entries(per)) rows.push([what, cell(t[0]), cell(t[1]), cell(t[2]), cell(t[3])]);
  console.log('\n2. the backend with an input handle (µs per call, median (calls)); a split call\'s helper half either ran on the helper or was taken back');
  console.log(formatTable(['product', 'one thread', 'two threads', 'two: helper ran', 'two: taken back'], rows));
  handle.dispose();
  shutdown();
}

main();
