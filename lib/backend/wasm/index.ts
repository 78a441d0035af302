// The 'wasm' backend: WebAssembly SIMD kernels (assembly/kernels.ts, built to kernels.wasm next to
// this file in dist/) on one shared memory, with a helper thread for the second core.
//
// Dimension letters: M rows of the result, K the contracted dimension, N columns of the result.
//
// Buffers: alloc() returns views into the wasm memory, so kernels run on them without copying.
// A Float32Array that is NOT in wasm memory (a user's plain array) still works: it is copied into
// per-argument staging space in wasm memory, and an output is copied back after the kernel —
// correct, only slower. Every call checks that each buffer is long enough for its shape.
//
// Two decisions are made per call, from measurements on this 2-core machine (README, "Where memory
// is allocated, and backends"):
//  - zero skipping: gemm and gemmTN count A's nonzeros first (cheap: M·K vs M·K·N work); at most
//    SPARSE_MAX_DENSITY of them nonzero → A is compressed to rows of (k, value) and only those
//    rows of B are added. MNIST batches (~19% nonzero) take this path, dense activations do not.
//  - threads: a GEMM with M·N·K ≥ THREAD_MIN_WORK (2²⁴) is split in two along N (in multiples of
//    16 columns) or, when N is narrow, along M (multiples of 4 rows); the helper thread takes one
//    half, or this thread takes it back if the helper has not started it by the time its own is done.

import * as fs from 'fs';
import * as path from 'path';
import type { Backend, Buffer, ReadBuffer } from '../backend';
import { WasmHeap, wasmApi, MAX_PAGES, type WasmMemory, type WasmModule } from './memory';
import { HelperThread, OP_CSR, OP_CSR_ROWS, OP_GEMM, OP_GEMM_NT } from './threads';
import { loadOptimizerKernels } from './optim';

/**
 * Below this M·N·K a GEMM stays on one thread: 2²⁴ (256³; a half then takes ≳ 0.5 ms, so a worker
 * wake-up of ~60 µs is paid back). Every GEMM of the MLP at batch 64 (≤ 6.4M) stays on one core;
 * measured: splitting them was slower at every load we saw (README).
 */
export const THREAD_MIN_WORK = 1 << 24;
/** At most this fraction of A nonzero → the zero-skipping kernel (measured crossover, README). */
export const SPARSE_MAX_DENSITY = 0.35;
/** Rows of A compressed at once hold at most this many entries (2 floats each). */
const CSR_FLOATS = 1 << 18;
/** Floats of one thread's packed B strip: KC x 16 (KC = 256 in assembly/kernels.ts). */
const PANEL = 256 * 16;

interface Kernels {
  gemmStrided(c: number, ldc: number, a: number, ldai: number, ldak: number, b: number, ldb: number, M: number, N: number, K: number, acc: number, bias: number, scratch: number): void;
  gemmNTStrided(c: number, ldc: number, a: number, lda: number, b: number, ldbRow: number, M: number, N: number, K: number, acc: number, bias: number, scratch: number): void;
  countNonzero(a: number, n: number): number;
  csrBuild(csr: number, a: number, ldai: number, ldak: number, M: number, K: number, ldb: number): number;
  csrGemm(c: number, ldc: number, csr: number, M: number, b: number, N: number, acc: number, bias: number): void;
  csrGemmRows(c: number, ldc: number, csr: number, M: number, b: number, N: number, acc: number, bias: number): void;
  addBias(out: number, x: number, bias: number, M: number, N: number): void;
  colSum(out: number, x: number, M: number, N: number, acc: number): void;
}

/** Tuning switches, for tests and benchmarks (production code leaves them alone). */
export interface WasmOptions {
  /** Split big GEMMs with the helper thread. Default true. */
  threads: boolean;
  /** 'auto' decides by density; 'never' / 'always' force the dense / zero-skipping kernel. */
  sparse: 'auto' | 'never' | 'always';
  /** Minimum M·N·K to split. */
  threadMinWork: number;
  /** Maximum nonzero fraction of A for the zero-skipping kernel under 'auto'. */
  sparseMaxDensity: number;
  /**
   * Bytes of live buffers beyond which alloc returns ordinary (garbage-collected) Float32Arrays,
   * which the kernels stage through copies: slower, but a process that builds model after model
   * without free() slows down instead of running out of the 4 GiB wasm address space. 3 GiB.
   */
  heapBudget: number;
}

/** The wasm backend's extras beyond the Backend interface. */
export interface WasmBackend extends Backend {
  free(buf: Float32Array): void;
  readonly heap: WasmHeap;
  readonly options: WasmOptions;
  /** Stops the helper thread (restarted on demand). Call at the end of a program or test file. */
  shutdown(): void;
  /** Split GEMM halves run by the worker, and taken back by this thread because it was not running. */
  readonly threadStats: { worker: number; stolen: number };
}

/** Where the built kernels.wasm may be: next to the compiled JS (dist/), or dist/ seen from the sources. */
function wasmPath(): string | null {
  const candidates = [path.join(__dirname, 'kernels.wasm'), path.resolve(__dirname, '../../../dist/lib/backend/wasm/kernels.wasm')];
  for (const p of candidates) if (fs.existsSync(p)) return p;
  return null;
}

let instance: WasmBackend | null = null;
let loadError: Error | null = null;

/**
 * The wasm backend (one per process: every model shares its memory). Throws a clear error when
 * kernels.wasm is missing (not built) or the runtime lacks WebAssembly SIMD / shared memory.
 */
export function loadWasmBackend(): WasmBackend {
  if (instance) return instance;
  if (loadError) throw loadError;
  try {
    if (!wasmApi) throw new Error('this JavaScript runtime has no WebAssembly');
    const file = wasmPath();
    if (!file) throw new Error(`kernels.wasm not found next to ${__dirname} (run \`npm run build\`)`);
    const module = new wasmApi.Module(fs.readFileSync(file)); // throws where SIMD is unsupported
    const memory = new wasmApi.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    const exports = new wasmApi.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports;
    instance = createBackend(module, memory, exports as unknown as Kernels);
    instance.optimizerKernels = loadOptimizerKernels(instance.heap);
    return instance;
  } catch (e) {
    loadError = new Error(`wasm backend unavailable: ${(e as Error).message}`);
    throw loadError;
  }
}

/** The wasm backend if it loads here, else null (for the silent default selection). */
export function tryLoadWasmBackend(): WasmBackend | null {
  try {
    return loadWasmBackend();
  } catch {
    return null;
  }
}

/** Stops the helper thread of the loaded wasm backend, if any. */
export function shutdown(): void {
  instance?.shutdown();
}

function createBackend(module: WasmModule, memory: WasmMemory, k: Kernels): WasmBackend {
  const heap = new WasmHeap(memory);
  const helper = new HelperThread(module, memory, (op, a) => {
    if (op === OP_GEMM) k.gemmStrided(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
    else if (op === OP_GEMM_NT) k.gemmNTStrided(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    else if (op === OP_CSR) k.csrGemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    else if (op === OP_CSR_ROWS) k.csrGemmRows(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  });
  // SCRATCHNET_WASM_THREADS=1 keeps every kernel on the calling thread (a busy machine, see README).
  const threads = process.env.SCRATCHNET_WASM_THREADS !== '1';
  const options: WasmOptions = { threads, sparse: 'auto', threadMinWork: THREAD_MIN_WORK, sparseMaxDensity: SPARSE_MAX_DENSITY, heapBudget: 3 * 2 ** 30 };
  let warned = false;
  function alloc(n: number): Float32Array {
    if (heap.liveBytes + n * 4 <= options.heapBudget) return heap.alloc(n);
    if (!warned) {
      warned = true;
      process.emitWarning(`scratchnet wasm backend: over ${options.heapBudget / 2 ** 30} GiB of buffers are allocated and not freed; new buffers are ordinary Float32Arrays (correct, slower). Free the buffers of models you no longer use with backend.free().`);
    }
    return new Float32Array(n);
  }

  // Scratch space in wasm memory, grown on demand and kept: [0..3] staging for foreign arrays
  // (out, a, b, bias), 4 the compressed A, 5 and 6 the packed B strips (this thread, helper).
  const scratch: (Float32Array | null)[] = [null, null, null, null, null, null, null];
  function scratchAddr(slot: number, floats: number): number {
    let s = scratch[slot];
    if (!s || s.length < floats) {
      if (s) heap.free(s);
      s = heap.alloc(Math.max(floats, s ? Math.ceil(s.length * 1.5) : 0));
      scratch[slot] = s;
    }
    return s.byteOffset;
  }

  function need(arr: ReadBuffer, n: number, what: string): void {
    if (arr.length < n) throw new RangeError(`wasm backend: ${what} has ${arr.length} floats, the shape needs ${n}`);
  }
  /** Address of an input: its own if in wasm memory, else a staged copy. */
  function inAddr(arr: ReadBuffer, n: number, slot: number, what: string): number {
    need(arr, n, what);
    const off = heap.offsetOf(arr);
    if (off >= 0) return off;
    const addr = scratchAddr(slot, n);
    new Float32Array(memory.buffer, addr, n).set(arr.subarray(0, n));
    return addr;
  }
  /** Address of an output; a foreign one is staged (with its contents when the kernel reads them). */
  function outAddr(arr: Buffer, n: number, readsOut: boolean): number {
    need(arr, n, 'out');
    const off = heap.offsetOf(arr);
    if (off >= 0) return off;
    const addr = scratchAddr(0, n);
    if (readsOut) new Float32Array(memory.buffer, addr, n).set(arr.subarray(0, n));
    return addr;
  }
  function finish(arr: Buffer, addr: number, n: number): Buffer {
    if (heap.offsetOf(arr) < 0) arr.set(new Float32Array(memory.buffer, addr, n));
    return arr;
  }

  /** Where to cut a GEMM in two, or null to keep it on one thread. */
  function splitPoint(M: number, N: number, K: number): { cols: boolean; at: number } | null {
    if (!options.threads || M * N * K < options.threadMinWork) return null;
    if (N >= 32) return { cols: true, at: Math.max(16, Math.round(N / 32) * 16) };
    if (M >= 8) return { cols: false, at: Math.round(M / 8) * 4 };
    return null;
  }

  /** A·B or Aᵀ·B with A given by strides (lda_i, lda_k), bias fused when given. */
  function product(pc: number, pa: number, ldai: number, ldak: number, pb: number, M: number, K: number, N: number, acc: boolean, pbias: number): void {
    const ldc = N * 4;
    const ldb = N * 4;
    const split = splitPoint(M, N, K);
    let sparse = false;
    if (options.sparse === 'always') sparse = K > 0;
    else if (options.sparse === 'auto' && N >= 16 && K >= 8) sparse = k.countNonzero(pa, M * K) <= options.sparseMaxDensity * M * K;
    if (sparse) {
      // A block of rows at a time, so the compressed rows ((rows+2)·4 + 8·nnz bytes) stay ≤ ~2 MiB.
      const rows = Math.max(1, Math.min(M, Math.floor(CSR_FLOATS / Math.max(1, K))));
      const csr = scratchAddr(4, rows + 4 + 2 * rows * K);
      // B bigger than L1 (layer 1's W, 400 KB): add whole rows of B, read front to back, into out's row
      // (in L1): 15–25% faster there. B in L1 (dz in dW1 = xᵀ·dz): 32 columns at a time in registers.
      const byRows = K * N * 4 > 65536;
      const kernel = byRows ? k.csrGemmRows : k.csrGemm;
      for (let i0 = 0; i0 < M; i0 += rows) {
        const m = Math.min(rows, M - i0);
        const ci = pc + i0 * ldc;
        k.csrBuild(csr, pa + i0 * ldai, ldai, ldak, m, K, ldb);
        if (split && split.cols) {
          const at = split.at;
          helper.run(byRows ? OP_CSR_ROWS : OP_CSR, [ci + at * 4, ldc, csr, m, pb + at * 4, N - at, acc ? 1 : 0, pbias ? pbias + at * 4 : 0]);
          kernel(ci, ldc, csr, m, pb, at, acc ? 1 : 0, pbias);
          helper.join();
        } else kernel(ci, ldc, csr, m, pb, N, acc ? 1 : 0, pbias);
      }
      return;
    }
    const mine = scratchAddr(5, PANEL);
    if (!split) {
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, M, N, K, acc ? 1 : 0, pbias, mine);
      return;
    }
    const at = split.at;
    const theirs = scratchAddr(6, PANEL);
    if (split.cols) {
      helper.run(OP_GEMM, [pc + at * 4, ldc, pa, ldai, ldak, pb + at * 4, ldb, M, N - at, K, acc ? 1 : 0, pbias ? pbias + at * 4 : 0, theirs]);
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, M, at, K, acc ? 1 : 0, pbias, mine);
    } else {
      helper.run(OP_GEMM, [pc + at * ldc, ldc, pa + at * ldai, ldai, ldak, pb, ldb, M - at, N, K, acc ? 1 : 0, pbias, theirs]);
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, at, N, K, acc ? 1 : 0, pbias, mine);
    }
    helper.join();
  }

  const backend: WasmBackend = {
    name: 'wasm',
    heap,
    options,
    alloc,
    free: (buf: Float32Array) => heap.free(buf),
    shutdown: () => helper.shutdown(),
    threadStats: helper.stats,

    gemm(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
      const pa = inAddr(a, M * K, 1, 'a');
      const pb = inAddr(b, K * N, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      product(pc, pa, K * 4, 4, pb, M, K, N, accumulate, 0);
      return finish(out, pc, M * N);
    },

    gemmTN(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
      const pa = inAddr(a, K * M, 1, 'a');
      const pb = inAddr(b, K * N, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      product(pc, pa, 4, M * 4, pb, M, K, N, accumulate, 0);
      return finish(out, pc, M * N);
    },

    gemmNT(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
      const pa = inAddr(a, M * K, 1, 'a');
      const pb = inAddr(b, N * K, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      const acc = accumulate ? 1 : 0;
      const split = splitPoint(M, N, K);
      const mine = scratchAddr(5, PANEL);
      if (!split) k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, M, N, K, acc, 0, mine);
      else {
        // Every scratch block exists before the helper starts: nothing is allocated while it runs.
        const theirs = scratchAddr(6, PANEL);
        const at = split.at;
        if (split.cols) {
          helper.run(OP_GEMM_NT, [pc + at * 4, N * 4, pa, K * 4, pb + at * K * 4, K * 4, M, N - at, K, acc, 0, theirs]);
          k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, M, at, K, acc, 0, mine);
        } else {
          helper.run(OP_GEMM_NT, [pc + at * N * 4, N * 4, pa + at * K * 4, K * 4, pb, K * 4, M - at, N, K, acc, 0, theirs]);
          k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, at, N, K, acc, 0, mine);
        }
        helper.join();
      }
      return finish(out, pc, M * N);
    },

    denseForward(out: Buffer, inp: ReadBuffer, weight: ReadBuffer, bias: ReadBuffer | null, B: number, C: number, OC: number): Buffer {
      const pa = inAddr(inp, B * C, 1, 'inp');
      const pb = inAddr(weight, C * OC, 2, 'weight');
      const pbias = bias ? inAddr(bias, OC, 3, 'bias') : 0;
      const pc = outAddr(out, B * OC, false);
      product(pc, pa, C * 4, 4, pb, B, C, OC, false, pbias);
      return finish(out, pc, B * OC);
    },

    addBias(out: Buffer, x: ReadBuffer, bias: ReadBuffer, M: number, N: number): Buffer {
      const px = inAddr(x, M * N, 1, 'x');
      const pbias = inAddr(bias, N, 3, 'bias');
      const pc = outAddr(out, M * N, false);
      k.addBias(pc, px, pbias, M, N);
      return finish(out, pc, M * N);
    },

    colSum(out: Buffer, x: ReadBuffer, M: number, N: number, accumulate = false): Buffer {
      const px = inAddr(x, M * N, 1, 'x');
      const pc = outAddr(out, N, accumulate);
      k.colSum(pc, px, M, N, accumulate ? 1 : 0);
      return finish(out, pc, N);
    },
  };
  return backend;
}
