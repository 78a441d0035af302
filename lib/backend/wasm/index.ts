// The 'wasm' backend: WebAssembly SIMD kernels (assembly/kernels.ts, built to kernels.wasm next to
// this file in dist/) on one shared memory, with a helper thread for the second core; or, where memory
// cannot be shared (a page that is not cross-origin isolated), the same kernels built for an unshared
// memory (dist/lib/backend/wasm/unshared/) on a fixed heap, on one thread (./memory.ts says why).
//
// Loading: the runtime's platform (../platform.ts) reads the built files on Node; a browser fetches and
// compiles them and hands the modules over (lib/web/wasm.ts). WASM_FILES lists the modules once.
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
//    rows of B are added. MNIST batches (~19% nonzero) take this path, dense activations do not;
//    nor do products narrower than SPARSE_MIN_N columns (a first convolution's 32 filters, a 16-unit
//    layer), where the dense kernel is faster even at 19%. A Dense layer hands its forward pass's
//    count and compressed rows of x to its weight gradient's gemmTN (an InputHandle), which makes xᵀ's
//    compressed rows from them by a counting sort instead of counting and reading x again.
//  - threads: a GEMM with M·N·K ≥ THREAD_MIN_WORK (2²⁴) is split in two: a tall one (M ≥ 2N, a
//    convolution's) along M in multiples of 6 rows, others along N (multiples of 8 columns) or, when N
//    is narrow, along M (multiples of 4 rows); see splitPoint. A zero-skipping product is split along
//    M: each thread compresses and multiplies half of A's rows (A·B), or takes the rows holding half
//    of the nonzeros of a compressed Aᵀ (the weight gradient); after a split forward product the helper
//    makes Aᵀ's compressed rows in the background (joined before they are used). The helper thread takes one
//    half, or this thread takes it back if the helper has not started it by the time its own is done.
//    From ADAPT_MIN_WORK (2²¹) up, each shape is timed on one and on two threads and runs on the
//    faster, re-tried now and then (the answer depends on what else the machine is running).

import type { Backend, Buffer, ImageGeometry, ImageKernels, InputHandle, ReadBuffer, StepKernels } from '../backend';
import { platform } from '../platform';
import { checkLayout, WasmHeap, WasmHeapFullError, wasmApi, MAX_PAGES, PAGE_BYTES, type WasmApi, type WasmMemory, type WasmModule } from './memory';
import { HELPER_OPS, HelperThread, OP_COL2IM, OP_CSR_PRODUCT_ROWS, OP_CSR_ROWS, OP_CSR_TRANSPOSE, OP_GEMM, OP_GEMM_NT, OP_IM2COL } from './threads';
import { stepKernelsFrom } from './step';
import { referenceStepKernels } from '../reference-step';
import { imageKernelsFrom } from './image';

/**
 * From this M·N·K on a GEMM is always split: 2²⁴ (256³; a half then takes ≳ 0.5 ms, so a worker
 * wake-up of ~60 µs is paid back). Below ADAPT_MIN_WORK never; in between by measured speed.
 */
export const THREAD_MIN_WORK = 1 << 24;
/** At most this fraction of A nonzero → the zero-skipping kernel (measured crossover, README). */
export const SPARSE_MAX_DENSITY = 0.35;
/** From this many floats of im2col's matrix (1 MiB) up, im2col / col2im split the batch over both threads. */
export const CONV_SPLIT_FLOATS = 1 << 18;
/** Zero skipping needs N ≥ this (measured: at 19% nonzero, 100352×9×32 and 128×784×32 ran faster dense, 128×784×64 not). */
export const SPARSE_MIN_N = 64;
/** From this M·N·K up to THREAD_MIN_WORK, one or two threads by measured speed (see choiceFor). */
export const ADAPT_MIN_WORK = 1 << 21;
const WARM_UP = 4;
const BURST = 4;
const RECENT = 8;
const sorted = new Float64Array(RECENT);
const EXPLORE = 32;
interface Choice {
  /** Median milliseconds per call of the last RECENT on [one, two] threads, calls made, the last times. */
  ms: [number, number];
  n: [number, number];
  recent: [Float64Array, Float64Array];
  calls: number;
  /** Calls between tries of the slower way, the call of the next try, calls left in a try and its way. */
  explore: number;
  nextTry: number;
  burst: number;
  burstTwo: boolean;
}
/** Rows of A compressed at once hold at most this many entries (2 floats each). */
const CSR_FLOATS = 1 << 18;
/** A compressed-rows kernel's `end` when nothing follows the pairs it writes. */
const I32_MAX = 0x7fffffff;
/** Floats of the compressed form of M rows holding nnz nonzeros (assembly/kernels.ts; one spare pair). */
const csrFloats = (M: number, nnz: number): number => M + 4 + 2 * (nnz + 1);

/**
 * The wasm backend's InputHandle: which input it describes (the array, its rows and columns), the
 * count of its nonzeros (-1: not counted) and, in its own wasm buffers, the input's compressed rows
 * (rows: made by the forward product) and its transpose's (cols: made from them by the first gemmTN).
 */
class WasmInputHandle implements InputHandle {
  private src: ReadBuffer | null = null;
  private nRows = 0;
  private nCols = 0;
  nnz = -1;
  rows = false;
  cols = false;
  private readonly bufs: (Float32Array | null)[] = [null, null];
  /** finish: joins a helper job still writing into this handle's buffers. */
  constructor(readonly heap: WasmHeap, private readonly finish: (h: WasmInputHandle) => void) {}
  /** A new input (rows, cols): what was kept about the last one is dropped. */
  describe(src: ReadBuffer, rows: number, cols: number, nnz: number): void {
    this.src = src;
    this.nRows = rows;
    this.nCols = cols;
    this.nnz = nnz;
    this.rows = this.cols = false;
  }
  describes(src: ReadBuffer, rows: number, cols: number): boolean {
    return this.src === src && this.nRows === rows && this.nCols === cols;
  }
  /** The address of buffer i (0 rows, 1 cols), grown to at least n floats. */
  buffer(i: number, n: number): number {
    let b = this.bufs[i];
    if (!b || b.length < n) {
      if (b) this.heap.free(b);
      b = this.heap.alloc(Math.max(n, b ? Math.ceil(b.length * 1.5) : 0));
      this.bufs[i] = b;
    }
    return b.byteOffset;
  }
  address(i: number): number {
    return this.bufs[i]!.byteOffset;
  }
  dispose(): void {
    this.finish(this);
    for (const b of this.bufs) if (b) this.heap.free(b);
    this.bufs[0] = this.bufs[1] = null;
    this.src = null;
    this.rows = this.cols = false;
  }
}

interface Kernels {
  gemmStrided(c: number, ldc: number, a: number, ldai: number, ldak: number, b: number, ldb: number, M: number, N: number, K: number, acc: number, bias: number, scratch: number): void;
  gemmNTStrided(c: number, ldc: number, a: number, lda: number, b: number, ldbRow: number, M: number, N: number, K: number, acc: number, bias: number, scratch: number): void;
  countNonzero(a: number, n: number): number;
  csrBuild(csr: number, a: number, ldai: number, ldak: number, M: number, K: number): number;
  csrBuildRows(csr: number, M: number, i0: number, i1: number, a: number, ldai: number, K: number, base: number, end: number): number;
  csrTranspose(dst: number, src: number, M: number, K: number): number;
  csrMiddle(csr: number, i0: number, i1: number): number;
  csrGemmRows(c: number, ldc: number, csr: number, M: number, i0: number, i1: number, b: number, ldb: number, N: number, acc: number, bias: number): void;
  csrProductRows(c: number, ldc: number, csr: number, M: number, i0: number, i1: number, a: number, ldai: number, K: number, base: number, end: number, b: number, ldb: number, N: number, acc: number, bias: number): void;
  addBias(out: number, x: number, bias: number, M: number, N: number): void;
  colSum(out: number, x: number, M: number, N: number, acc: number): void;
  /** Floats of one thread's packing scratch for gemmStrided / gemmNTStrided. */
  PACK_FLOATS: { value: number };
  im2col(cols: number, inp: number, B: number, ...g: number[]): void;
  col2im(dinp: number, dcols: number, B: number, ...g: number[]): void;
}

/** Tuning switches, for tests and benchmarks (production code leaves them alone). */
export interface WasmOptions {
  /** Split big GEMMs with the helper thread. Default true. */
  threads: boolean;
  /** Use the fused multiply-add build (kernels-fma.wasm) where it loaded. Default: true when it did. */
  fma: boolean;
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
  /** The SIMD step kernels (assembly/step.ts), or the reference loops where step.wasm is not built. */
  stepKernels: StepKernels;
  /**
   * Whether its memory is shared (a helper thread can work on it). False: the unshared build on a fixed
   * heap, every kernel on the calling thread whatever options.threads says.
   */
  readonly shared: boolean;
  free(buf: Float32Array): void;
  readonly heap: WasmHeap;
  readonly options: WasmOptions;
  /** The relaxed-SIMD (FMA) build of the GEMM kernels loaded here; options.fma says whether it is used. */
  readonly fmaAvailable: boolean;
  /** Which GEMM kernels run now: 'relaxed-SIMD FMA' or 'SIMD (multiply, then add)'. */
  readonly kernelsInUse: string;
  /** A handle for a layer input's count and compressed rows, from denseForward to gemmTN (Backend.inputHandle). */
  inputHandle(): InputHandle;
  /** Stops the helper thread (restarted on demand). Call at the end of a program or test file. */
  shutdown(): void;
  /** Split GEMM halves run by the worker, and taken back by this thread because it was not running. */
  readonly threadStats: { worker: number; stolen: number };
  /** The adaptive thread choices so far: per shape, mean ms on [one, two] threads and calls timed. */
  threadChoices(): { ms: [number, number]; n: [number, number] }[];
  /** im2col / col2im with a big batch split over both threads (ImageKernels' contract: false when a buffer is not in wasm memory). */
  readonly convKernels: Pick<ImageKernels, 'im2col' | 'col2im'>;
}

/**
 * The backend's modules, by role, and their files in the build's wasm folder (scripts/build-wasm.js): the
 * unshared build has the same names under unshared/. Only `kernels` is required; a module that is missing
 * leaves its work to the TypeScript kernels.
 */
export const WASM_FILES = { kernels: 'kernels.wasm', kernelsFma: 'kernels-fma.wasm', step: 'step.wasm', image: 'image.wasm' } as const;
export type WasmRole = keyof typeof WASM_FILES;
/** Compiled modules by role (kernelsFma: the relaxed-SIMD build of kernels, used where it compiled). */
export type WasmModules = { kernels: WasmModule } & { [R in Exclude<WasmRole, 'kernels'>]?: WasmModule | null };
/** The folder of each build under the wasm folder. */
export const WASM_BUILDS = { shared: '', unshared: 'unshared/' } as const;

/** The default fixed heap of an unshared memory: 256 MiB (address space; pages are touched only when used). */
export const FIXED_HEAP_BYTES = 256 * 2 ** 20;

export interface WasmMemoryOptions {
  /** A shared memory (threads possible) or the unshared build on a fixed heap. Default true. */
  shared?: boolean;
  /** The fixed heap's size in bytes when not shared (a multiple of 64 KiB). Default FIXED_HEAP_BYTES. */
  heapBytes?: number;
}

/** (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)) */
const RELAXED_PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128, v128, v128) → v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // its body; 0xfd 0x105 = relaxed_madd
);

/**
 * Whether this runtime compiles relaxed SIMD. Node 20's V8 has it behind a flag that can be set from
 * inside the process before compiling (newer V8 has it on): try as is, then with the flag.
 * SCRATCHNET_WASM_FMA=0 answers no (the plain SIMD build then runs).
 */
export function relaxedSimd(api: WasmApi): boolean {
  if (platform().env('SCRATCHNET_WASM_FMA') === '0') return false;
  if (api.validate(RELAXED_PROBE)) return true;
  platform().enableRelaxedSimd();
  return api.validate(RELAXED_PROBE);
}

/**
 * The modules of one build compiled from the files the platform reads (synchronously: Node), or null when
 * kernels.wasm is not there. The FMA build is compiled only where this runtime takes relaxed SIMD.
 */
export function readWasmModules(build: keyof typeof WASM_BUILDS = 'shared'): WasmModules | null {
  const api = wasmApi!;
  const read = (role: WasmRole): WasmModule | null => {
    const bytes = platform().readWasm(WASM_BUILDS[build] + WASM_FILES[role]);
    return bytes ? new api.Module(bytes) : null; // throws where SIMD is unsupported
  };
  const kernels = read('kernels');
  if (!kernels) return null;
  return { kernels, kernelsFma: relaxedSimd(api) ? read('kernelsFma') : null, step: read('step'), image: read('image') };
}

let instance: WasmBackend | null = null;
let loadError: Error | null = null;

/**
 * The wasm backend (one per thread: every model shares its memory), loaded from the files the platform
 * reads. Throws a clear error when kernels.wasm is missing (not built, or a platform without files, such
 * as a browser before loadWasmBackendFromUrl) or the runtime lacks WebAssembly SIMD / shared memory.
 */
export function loadWasmBackend(): WasmBackend {
  if (instance) return instance;
  if (loadError) throw loadError;
  try {
    if (!wasmApi) throw new Error('this JavaScript runtime has no WebAssembly');
    const modules = readWasmModules('shared');
    if (!modules) {
      throw new Error(platform().name === 'node' ? 'kernels.wasm not found in dist/lib/backend/wasm (run `npm run build`)' : `no wasm files on this platform (${platform().name}): load the modules first (loadWasmBackendFromUrl in a browser)`);
    }
    instance = createWasmBackend(modules);
    return instance;
  } catch (e) {
    loadError = new Error(`wasm backend unavailable: ${(e as Error).message}`);
    throw loadError;
  }
}

/**
 * A new wasm backend on a memory of its own, from compiled modules (readWasmModules, or what a browser
 * fetched and compiled): shared (threads possible) or, with { shared: false }, the unshared build on a
 * fixed heap. Not registered: useWasmModules makes one the thread's 'wasm' backend.
 */
export function createWasmBackend(modules: WasmModules, opts: WasmMemoryOptions = {}): WasmBackend {
  if (!wasmApi) throw new Error('wasm backend unavailable: this JavaScript runtime has no WebAssembly');
  checkLayout();
  const shared = opts.shared ?? true;
  const heapBytes = opts.heapBytes ?? FIXED_HEAP_BYTES;
  if (!shared && !(Number.isInteger(heapBytes) && heapBytes % PAGE_BYTES === 0 && heapBytes >= 2 * PAGE_BYTES && heapBytes <= MAX_PAGES * PAGE_BYTES - PAGE_BYTES)) {
    throw new RangeError(`heapBytes: expected a multiple of ${PAGE_BYTES} between ${2 * PAGE_BYTES} and 4 GiB, got ${heapBytes}`);
  }
  const pages = heapBytes / PAGE_BYTES;
  // A shared memory starts small and grows in place; an unshared one is its fixed heap from the start.
  const memory = shared ? new wasmApi.Memory({ initial: 32, maximum: MAX_PAGES, shared: true }) : new wasmApi.Memory({ initial: pages, maximum: pages, shared: false });
  const kernels = modules.kernelsFma ? [modules.kernels, modules.kernelsFma] : [modules.kernels];
  try {
    const backend = createBackend(kernels, memory, shared);
    backend.stepKernels = modules.step ? stepKernelsFrom(modules.step, backend.heap) : referenceStepKernels;
    backend.imageKernels = modules.image ? imageKernelsFrom(modules.image, backend.heap) : null;
    // im2col / col2im from the GEMM module, a big batch split over both threads.
    if (backend.imageKernels) Object.assign(backend.imageKernels, backend.convKernels);
    return backend;
  } catch (e) {
    if ((e as Error).name !== 'LinkError') throw e;
    // A module of the other build (shared vs unshared) for this memory.
    throw new Error(`wasm backend: a module does not fit a${shared ? ' shared' : 'n unshared'} memory (${(e as Error).message}); the ${shared ? 'shared build is dist/lib/backend/wasm/*.wasm' : 'unshared build is dist/lib/backend/wasm/unshared/*.wasm'}`);
  }
}

/**
 * Makes a backend created from compiled modules this thread's one 'wasm' backend, as loadWasmBackend's
 * would be (a browser fetches and compiles them, lib/web/wasm.ts). Returns the one already there, if any.
 */
export function useWasmModules(modules: WasmModules, opts: WasmMemoryOptions = {}): WasmBackend {
  if (instance) return instance;
  instance = createWasmBackend(modules, opts);
  loadError = null;
  return instance;
}

/** This thread's wasm backend if one is loaded (loadWasmBackend or useWasmModules), else null. */
export function loadedWasmBackend(): WasmBackend | null {
  return instance;
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

/**
 * The wasm backend's GEMM kernels with some options forced during each call, under another name: how the
 * tests reach every code path (one thread or two, dense or zero-skipping) and the benchmarks compare them.
 * Memory is the wasm backend's own (alloc and free go straight to it).
 */
export function wasmVariant(wasm: WasmBackend, name: string, opts: Partial<WasmOptions>): Backend {
  const wrap = <F extends (...args: never[]) => unknown>(f: F) =>
    ((...args: Parameters<F>) => {
      const saved = { ...wasm.options };
      Object.assign(wasm.options, opts);
      try {
        return f(...args);
      } finally {
        Object.assign(wasm.options, saved);
      }
    }) as unknown as F;
  return {
    name,
    alloc: (n) => wasm.alloc(n),
    free: (x) => wasm.free(x),
    gemm: wrap(wasm.gemm),
    gemmTN: wrap(wasm.gemmTN),
    gemmNT: wrap(wasm.gemmNT),
    denseForward: wrap(wasm.denseForward),
    inputHandle: wasm.inputHandle,
    addBias: wrap(wasm.addBias),
    colSum: wrap(wasm.colSum),
    stepKernels: wasm.stepKernels,
  };
}

/**
 * modules: [plain SIMD] or [plain SIMD, relaxed-SIMD FMA], the same kernels built twice (scripts/build-wasm.js),
 * instantiated on memory: shared (a helper thread possible) or a fixed heap.
 */
function createBackend(modules: WasmModule[], memory: WasmMemory, shared: boolean): WasmBackend {
  // A fixed heap never grows past the size it was made with.
  const maxPages = shared ? MAX_PAGES : memory.buffer.byteLength / PAGE_BYTES;
  const heap = new WasmHeap(memory, maxPages);
  const instances = modules.map((m) => new wasmApi!.Instance(m, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as unknown as Kernels);
  // The kernels of the current call (set by use() at the start of each), and their module's index.
  let k = instances[0];
  let mod = 0;
  function use(): void {
    mod = options.fma && instances.length > 1 ? 1 : 0;
    k = instances[mod];
  }
  const runLocal = (m: number, op: number, a: readonly number[]): void => {
    const kernel = instances[m][HELPER_OPS[op - 1]] as (...args: number[]) => void;
    kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
  };
  // An unshared memory cannot be handed to another thread: no helper, every split runs here.
  const helper = new HelperThread(modules, memory, runLocal, shared ? (source, data) => platform().startWorker(source, data) : null);
  // SCRATCHNET_WASM_THREADS=1 keeps every kernel on the calling thread (a busy machine, see README).
  const threads = shared && platform().env('SCRATCHNET_WASM_THREADS') !== '1';
  // Live buffers beyond the budget become ordinary arrays: 3 GiB of the 4 GiB, or 3/4 of a fixed heap
  // (the rest stays for the kernels' scratch space).
  const heapBudget = shared ? 3 * 2 ** 30 : Math.floor((maxPages * PAGE_BYTES * 3) / 4);
  const options: WasmOptions = { threads, fma: instances.length > 1, sparse: 'auto', threadMinWork: THREAD_MIN_WORK, sparseMaxDensity: SPARSE_MAX_DENSITY, heapBudget };
  let warned = false;
  function alloc(n: number): Float32Array {
    if (heap.liveBytes + n * 4 <= options.heapBudget) {
      try {
        return heap.alloc(n);
      } catch (e) {
        if (!(e instanceof WasmHeapFullError)) throw e;
      }
    }
    if (!warned) {
      warned = true;
      platform().warn(`scratchnet wasm backend: ${(heap.liveBytes / 2 ** 20).toFixed(0)} MiB of buffers are allocated and not freed, as much as its ${shared ? 'memory' : 'fixed heap'} takes; new buffers are ordinary Float32Arrays (correct, slower). Free the buffers of models you no longer use with backend.free().`);
    }
    return new Float32Array(n);
  }

  // Scratch space in wasm memory, grown on demand and kept: [0..3] staging for foreign arrays
  // (out, a, b, bias), 4 the compressed A, 5 and 6 the packed B panels (this thread, helper).
  const PANEL = instances[0].PACK_FLOATS.value;
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

  /**
   * Where to cut a dense GEMM in two. Tall products (M ≥ 2N: a convolution's M = batch·pixels rows) along M
   * in multiples of 6 rows, the microkernel's height, so each thread reads only its half of A (the
   * big operand); others along N in multiples of 8 columns (a strip), else along M. (The zero-skipping
   * products split along M: see sparseRows and csrMultiply.)
   */
  function splitPoint(M: number, N: number): { cols: boolean; at: number } | null {
    if (M >= 2 * N && M >= 12) return { cols: false, at: Math.round(M / 12) * 6 };
    if (N >= 16) return { cols: true, at: Math.max(8, Math.round(N / 16) * 8) };
    if (M >= 8) return { cols: false, at: Math.round(M / 8) * 4 };
    return null;
  }

  // The adaptive thread choice for mid-sized GEMMs (ADAPT_MIN_WORK ≤ M·N·K < threadMinWork, e.g. the
  // MLP's layer 1 at batch 64): per shape, form and kernel, the median time of the last calls on one
  // thread and on two; the faster is used, and the other is tried again now and then, so the choice
  // follows the machine's load. On a busy machine
  // two threads lose (the helper is woken but gets no core); on a quiet one they win.
  const choices = new Map<number, Choice>();
  function choiceFor(work: number, form: number, sparse: boolean, M: number, K: number, N: number): Choice | null {
    if (!options.threads || work < ADAPT_MIN_WORK || work >= options.threadMinWork) return null;
    const key = ((Math.imul(M, 73856093) ^ Math.imul(K, 19349663) ^ Math.imul(N, 83492791)) >>> 0) * 8 + form * 2 + (sparse ? 1 : 0);
    let c = choices.get(key);
    if (!c) {
      c = { ms: [0, 0], n: [0, 0], recent: [new Float64Array(RECENT), new Float64Array(RECENT)], calls: 0, explore: EXPLORE, nextTry: 0, burst: 0, burstTwo: false };
      choices.set(key, c);
    }
    return c;
  }
  /** Two threads for this call? Big GEMMs always, small never, mid-sized by their record. */
  function useTwo(work: number, c: Choice | null): boolean {
    if (!options.threads) return false;
    if (work >= options.threadMinWork) return true;
    if (!c) return false;
    c.calls++;
    if (c.burst > 0) return c.burstTwo;
    if (c.n[0] < WARM_UP) return false;
    if (c.n[1] < WARM_UP) return true;
    const two = c.ms[1] < c.ms[0];
    // Try the other way every `explore` calls, BURST calls in a row (the first call of a burst finds
    // the worker asleep; the next ones show what two threads do in a steady stream). Each time it
    // loses, wait twice as long before the next try (up to 1024 calls), so a busy machine pays for
    // two threads only now and then.
    if (c.calls < c.nextTry) return two;
    c.burst = BURST;
    c.burstTwo = !two;
    return !two;
  }
  function record(c: Choice, two: boolean, ms: number): void {
    const i = two ? 1 : 0;
    c.n[i]++;
    if (c.n[i] > 1) {
      // (the first call of each kind starts the worker or compiles: not counted)
      // The median of the last 8 calls: a call that lost its core for a time slice (1–2 ms on this
      // machine) must not decide.
      const recent = c.recent[i];
      recent[(c.n[i] - 2) % RECENT] = ms;
      const m = Math.min(RECENT, c.n[i] - 1);
      for (let j = 0; j < m; j++) {
        // insertion sort of ≤ 8 values into the module's scratch array (nothing allocated per call)
        const x = recent[j];
        let p = j;
        while (p > 0 && sorted[p - 1] > x) {
          sorted[p] = sorted[p - 1];
          p--;
        }
        sorted[p] = x;
      }
      c.ms[i] = m % 2 ? sorted[m >> 1] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
    }
    if (c.burst > 0 && --c.burst === 0) {
      const won = c.ms[i] < c.ms[1 - i];
      c.explore = won ? EXPLORE : Math.min(1024, c.explore * 2);
      c.nextTry = c.calls + c.explore;
    }
  }
  // A helper job left running past the call that started it (xᵀ's compressed rows, started after a split
  // forward product): joined before the helper's next job, before its handle is used or rewritten.
  let background: WasmInputHandle | null = null;
  function settle(): void {
    if (!background) return;
    background = null;
    helper.join();
  }
  function runHelper(op: number, args: readonly number[]): void {
    settle();
    helper.run(mod, op, args);
  }
  /** A handle of this backend's (one from another backend, or none: null). */
  function own(h: InputHandle | null): WasmInputHandle | null {
    return h instanceof WasmInputHandle && h.heap === heap ? h : null;
  }
  /** Whether to skip A's zeros, given its nonzero count (-1: not counted; counted here if needed). */
  function skipZeros(pa: number, M: number, K: number, N: number, nnz: number): boolean {
    if (options.sparse === 'always') return K > 0;
    if (options.sparse !== 'auto' || N < SPARSE_MIN_N || K < 8) return false;
    return (nnz >= 0 ? nnz : k.countNonzero(pa, M * K)) <= options.sparseMaxDensity * M * K;
  }

  /**
   * out (M,N) (+)= A (M,K) · B [+ bias], A's rows contiguous (gemm, denseForward). With a handle
   * (denseForward's `prepare`), A's nonzero count and, when its zeros are skipped, its compressed rows
   * are kept there for the weight gradient's Aᵀ·dz (colProduct).
   */
  function rowProduct(pc: number, a: ReadBuffer, pa: number, pb: number, M: number, K: number, N: number, acc: boolean, pbias: number, h: WasmInputHandle | null): void {
    // Nonzeros of A and of its first `half` rows (-1: not counted), the halves apart so that two
    // threads can each compress half of A into one buffer (the second half's pairs start at `head`).
    const half = M >> 1;
    let head = -1;
    let nnz = -1;
    if (options.sparse === 'auto' && N >= SPARSE_MIN_N && K >= 8) {
      head = k.countNonzero(pa, half * K);
      nnz = head + k.countNonzero(pa + half * K * 4, (M - half) * K);
    }
    const sparse = skipZeros(pa, M, K, N, nnz);
    if (h && background === h) settle(); // its buffers are about to be rewritten
    h?.describe(a, M, K, nnz);
    const work = M * N * K;
    const c = choiceFor(work, 0, sparse, M, K, N);
    const two = useTwo(work, c);
    const t0 = c ? performance.now() : 0;
    let split: boolean;
    if (!sparse) {
      const at = two ? splitPoint(M, N) : null;
      denseProduct(pc, pa, K * 4, 4, pb, M, K, N, acc, pbias, at);
      split = at !== null;
    } else if (h) {
      if (nnz < 0) {
        head = k.countNonzero(pa, half * K);
        h.nnz = nnz = head + k.countNonzero(pa + half * K * 4, (M - half) * K);
      }
      split = sparseRows(pc, h.buffer(0, csrFloats(M, nnz)), pa, pb, M, K, N, acc, pbias, two, head);
      h.rows = true;
      // Both threads pay here: the helper makes xᵀ's compressed rows for the weight gradient now, while
      // this thread goes on through the layers above (joined by colProduct, or before the next helper job).
      if (split && skipZeros(pa, K, M, N, nnz)) {
        runHelper(OP_CSR_TRANSPOSE, [h.buffer(1, csrFloats(K, nnz)), h.address(0), M, K]);
        background = h;
        h.cols = true;
      }
    } else {
      // A block of rows at a time, so the compressed rows ((rows+2)·4 + 8·nnz bytes) stay ≤ ~2 MiB.
      const rows = Math.max(1, Math.min(M, Math.floor(CSR_FLOATS / Math.max(1, K))));
      const csr = scratchAddr(4, csrFloats(rows, rows * K));
      split = false;
      for (let i0 = 0; i0 < M; i0 += rows) {
        const m = Math.min(rows, M - i0);
        split = sparseRows(pc + i0 * N * 4, csr, pa + i0 * K * 4, pb, m, K, N, acc, pbias, two, m === M ? head : -1) || split;
      }
    }
    if (c) record(c, split, performance.now() - t0);
  }

  /**
   * Rows 0..M of A·B through A's compressed rows at csr: on two threads each compresses and multiplies
   * half of the rows (head: the first half's nonzeros, -1 if not counted). Returns whether it split.
   */
  function sparseRows(pc: number, csr: number, pa: number, pb: number, M: number, K: number, N: number, acc: boolean, pbias: number, two: boolean, head: number): boolean {
    const ldc = N * 4;
    const lda = K * 4;
    const mode = acc ? 1 : 0;
    if (two && M >= 2) {
      const half = M >> 1;
      if (head < 0) head = k.countNonzero(pa, half * K);
      runHelper(OP_CSR_PRODUCT_ROWS, [pc, ldc, csr, M, half, M, pa, lda, K, head, I32_MAX, pb, ldc, N, mode, pbias]);
      k.csrProductRows(pc, ldc, csr, M, 0, half, pa, lda, K, 0, head, pb, ldc, N, mode, pbias);
      helper.join();
      return true;
    }
    k.csrBuildRows(csr, M, 0, M, pa, lda, K, 0, I32_MAX);
    return csrMultiply(pc, csr, M, pb, N, acc, pbias, false);
  }

  /**
   * out (M,N) (+)= Aᵀ·B with A stored (K,M) (gemmTN: the weight gradient xᵀ·dz). With the handle that
   * denseForward filled for this same A (K rows of M), its nonzero count is not taken again and, when it
   * kept A's compressed rows, Aᵀ's are made from them (csrTranspose) instead of from A.
   */
  function colProduct(pc: number, a: ReadBuffer, pa: number, pb: number, M: number, K: number, N: number, acc: boolean, handle: WasmInputHandle | null): void {
    const h = handle && handle.describes(a, K, M) ? handle : null;
    if (handle && background === handle) settle();
    const sparse = skipZeros(pa, M, K, N, h ? h.nnz : -1);
    const work = M * N * K;
    const c = choiceFor(work, 1, sparse, M, K, N);
    const two = useTwo(work, c);
    const t0 = c ? performance.now() : 0;
    let split = false;
    if (!sparse) {
      const at = two ? splitPoint(M, N) : null;
      denseProduct(pc, pa, 4, M * 4, pb, M, K, N, acc, 0, at);
      split = at !== null;
    } else if (h && h.rows) {
      const csr = h.buffer(1, csrFloats(M, h.nnz));
      if (!h.cols) {
        k.csrTranspose(csr, h.address(0), K, M);
        h.cols = true;
      }
      split = csrMultiply(pc, csr, M, pb, N, acc, 0, two);
    } else {
      // A block of rows of the result at a time, as in rowProduct.
      const rows = Math.max(1, Math.min(M, Math.floor(CSR_FLOATS / Math.max(1, K))));
      const csr = scratchAddr(4, csrFloats(rows, rows * K));
      for (let i0 = 0; i0 < M; i0 += rows) {
        const m = Math.min(rows, M - i0);
        k.csrBuild(csr, pa + i0 * 4, 4, M * 4, m, K);
        split = csrMultiply(pc + i0 * N * 4, csr, m, pb, N, acc, 0, two) || split;
      }
    }
    if (c) record(c, split, performance.now() - t0);
  }

  /**
   * out (M,N) (+)= CSR(A) · B [+ bias] from compressed rows at csr; on two threads each takes the rows
   * holding half of the nonzeros (csrMiddle). Returns whether it split.
   */
  function csrMultiply(pc: number, csr: number, M: number, pb: number, N: number, acc: boolean, pbias: number, two: boolean): boolean {
    const ldc = N * 4;
    const mode = acc ? 1 : 0;
    if (two && M >= 2) {
      const at = k.csrMiddle(csr, 0, M);
      runHelper(OP_CSR_ROWS, [pc, ldc, csr, M, at, M, pb, ldc, N, mode, pbias]);
      k.csrGemmRows(pc, ldc, csr, M, 0, at, pb, ldc, N, mode, pbias);
      helper.join();
      return true;
    }
    k.csrGemmRows(pc, ldc, csr, M, 0, M, pb, ldc, N, mode, pbias);
    return false;
  }

  function denseProduct(pc: number, pa: number, ldai: number, ldak: number, pb: number, M: number, K: number, N: number, acc: boolean, pbias: number, split: { cols: boolean; at: number } | null): void {
    const ldc = N * 4;
    const ldb = N * 4;
    const mine = scratchAddr(5, PANEL);
    if (!split) {
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, M, N, K, acc ? 1 : 0, pbias, mine);
      return;
    }
    const at = split.at;
    const theirs = scratchAddr(6, PANEL);
    if (split.cols) {
      runHelper(OP_GEMM, [pc + at * 4, ldc, pa, ldai, ldak, pb + at * 4, ldb, M, N - at, K, acc ? 1 : 0, pbias ? pbias + at * 4 : 0, theirs]);
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, M, at, K, acc ? 1 : 0, pbias, mine);
    } else {
      runHelper(OP_GEMM, [pc + at * ldc, ldc, pa + at * ldai, ldai, ldak, pb, ldb, M - at, N, K, acc ? 1 : 0, pbias, theirs]);
      k.gemmStrided(pc, ldc, pa, ldai, ldak, pb, ldb, at, N, K, acc ? 1 : 0, pbias, mine);
    }
    helper.join();
  }

  /**
   * im2col (op OP_IM2COL: dst = cols, src = the images) or col2im (OP_COL2IM: dst = dinp, src = dcols)
   * on images 0..B; from CONV_SPLIT_FLOATS of cols up and with threads on, the helper thread takes the
   * second half of the batch (images are independent: each half writes only its own rows / pixels).
   */
  function convOp(op: number, dst: ReadBuffer, src: ReadBuffer, B: number, g: ImageGeometry): boolean {
    const image = g.H * g.W * g.C;
    const window = g.OH * g.OW * g.KH * g.KW * g.C;
    const [dstN, srcN] = op === OP_IM2COL ? [B * window, B * image] : [B * image, B * window];
    const pd = heap.offsetOf(dst);
    const ps = heap.offsetOf(src);
    if (pd < 0 || ps < 0 || dst.length < dstN || src.length < srcN) return false;
    use();
    const kernel = op === OP_IM2COL ? k.im2col : k.col2im;
    const geo = [g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.OH, g.OW];
    const half = B >> 1;
    if (!options.threads || half < 1 || B * window < CONV_SPLIT_FLOATS) {
      kernel(pd, ps, B, ...geo);
      return true;
    }
    const [dstStep, srcStep] = op === OP_IM2COL ? [window, image] : [image, window];
    runHelper(op, [pd + half * dstStep * 4, ps + half * srcStep * 4, B - half, ...geo]);
    kernel(pd, ps, half, ...geo);
    helper.join();
    return true;
  }

  const backend: WasmBackend = {
    name: 'wasm',
    stepKernels: referenceStepKernels, // replaced by the SIMD kernels once step.wasm is instantiated
    shared,
    heap,
    options,
    alloc,
    free: (buf: Float32Array) => heap.free(buf),
    shutdown: () => {
      settle();
      helper.shutdown();
    },
    fmaAvailable: instances.length > 1,
    get kernelsInUse() {
      return options.fma && instances.length > 1 ? 'relaxed-SIMD FMA' : 'SIMD (multiply, then add)';
    },
    threadStats: helper.stats,
    threadChoices: () => [...choices.values()].map((c) => ({ ms: [c.ms[0], c.ms[1]] as [number, number], n: [c.n[0], c.n[1]] as [number, number] })),
    convKernels: {
      im2col: (cols, inp, B, g) => convOp(OP_IM2COL, cols, inp, B, g),
      col2im: (dinp, dcols, B, g) => convOp(OP_COL2IM, dinp, dcols, B, g),
    },

    inputHandle: () => new WasmInputHandle(heap, (h) => {
      if (background === h) settle();
    }),

    gemm(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
      use();
      const pa = inAddr(a, M * K, 1, 'a');
      const pb = inAddr(b, K * N, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      rowProduct(pc, a, pa, pb, M, K, N, accumulate, 0, null);
      return finish(out, pc, M * N);
    },

    gemmTN(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false, prepared: InputHandle | null = null): Buffer {
      use();
      const pa = inAddr(a, K * M, 1, 'a');
      const pb = inAddr(b, K * N, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      colProduct(pc, a, pa, pb, M, K, N, accumulate, own(prepared));
      return finish(out, pc, M * N);
    },

    gemmNT(out: Buffer, a: ReadBuffer, b: ReadBuffer, M: number, K: number, N: number, accumulate = false): Buffer {
      use();
      const pa = inAddr(a, M * K, 1, 'a');
      const pb = inAddr(b, N * K, 2, 'b');
      const pc = outAddr(out, M * N, accumulate);
      const acc = accumulate ? 1 : 0;
      const work = M * N * K;
      const c = choiceFor(work, 2, false, M, K, N);
      const split = useTwo(work, c) ? splitPoint(M, N) : null;
      const t0 = c ? performance.now() : 0;
      const mine = scratchAddr(5, PANEL);
      if (!split) k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, M, N, K, acc, 0, mine);
      else {
        // Every scratch block exists before the helper starts: nothing is allocated while it runs.
        const theirs = scratchAddr(6, PANEL);
        const at = split.at;
        if (split.cols) {
          runHelper(OP_GEMM_NT, [pc + at * 4, N * 4, pa, K * 4, pb + at * K * 4, K * 4, M, N - at, K, acc, 0, theirs]);
          k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, M, at, K, acc, 0, mine);
        } else {
          runHelper(OP_GEMM_NT, [pc + at * N * 4, N * 4, pa + at * K * 4, K * 4, pb, K * 4, M - at, N, K, acc, 0, theirs]);
          k.gemmNTStrided(pc, N * 4, pa, K * 4, pb, K * 4, at, N, K, acc, 0, mine);
        }
        helper.join();
      }
      if (c) record(c, split !== null, performance.now() - t0);
      return finish(out, pc, M * N);
    },

    denseForward(out: Buffer, inp: ReadBuffer, weight: ReadBuffer, bias: ReadBuffer | null, B: number, C: number, OC: number, prepare: InputHandle | null = null): Buffer {
      use();
      const pa = inAddr(inp, B * C, 1, 'inp');
      const pb = inAddr(weight, C * OC, 2, 'weight');
      const pbias = bias ? inAddr(bias, OC, 3, 'bias') : 0;
      const pc = outAddr(out, B * OC, false);
      rowProduct(pc, inp, pa, pb, B, C, OC, false, pbias, own(prepare));
      return finish(out, pc, B * OC);
    },

    addBias(out: Buffer, x: ReadBuffer, bias: ReadBuffer, M: number, N: number): Buffer {
      use();
      const px = inAddr(x, M * N, 1, 'x');
      const pbias = inAddr(bias, N, 3, 'bias');
      const pc = outAddr(out, M * N, false);
      k.addBias(pc, px, pbias, M, N);
      return finish(out, pc, M * N);
    },

    colSum(out: Buffer, x: ReadBuffer, M: number, N: number, accumulate = false): Buffer {
      use();
      const px = inAddr(x, M * N, 1, 'x');
      const pc = outAddr(out, N, accumulate);
      k.colSum(pc, px, M, N, accumulate ? 1 : 0);
      return finish(out, pc, N);
    },
  };
  return backend;
}
