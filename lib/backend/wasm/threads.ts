// The second core: one helper worker thread that instantiates the same kernels on the same shared
// memory and runs its share of a GEMM when this thread asks.
//
// Handshake, through a control block of Int32s in page 0 of the shared memory (no postMessage per
// call, which costs tens of µs): this thread writes the arguments, bumps SEQ and notifies; the
// worker runs the kernel, stores SEQ into DONE (or -SEQ on failure) and notifies. Both sides spin
// before sleeping in Atomics.wait: a futex wake-up on this VM costs ~60 µs per round trip while a
// spinning partner answers in ~1 µs (measured, see the README). Which GEMMs are split is decided
// in ./index.ts (THREAD_MIN_WORK, and by measured speed from ADAPT_MIN_WORK).
//
// Work stealing: posting job s sets CLAIM = s (open). The worker must claim it (compare-exchange
// s → −s) before it reads the arguments; a worker that wakes late for an older job cannot claim the
// new one, since its compare-exchange expects the old number. When this thread has finished its own
// half and the job is still open — the worker is asleep or, on a busy machine, not scheduled — it
// takes it (s → 0) and runs it here. So a split GEMM never waits for a worker that is not running.
//
// The worker is started lazily, through the platform (worker_threads on Node, a Web Worker in a
// browser; lib/backend/platform.ts), on the first GEMM big enough to be split; shutdown() stops it.
// Without a way to start one (no platform, or a memory that is not shared) every job runs here.

import type { PlatformWorker } from '../platform';
import { LAYOUT, type WasmMemory, type WasmModule } from './memory';

/**
 * The control blocks (LAYOUT.controlBlock, below the kernels' static data): each worker started gets
 * the next block, so a terminated worker that has not yet stopped can never see, claim or answer its
 * successor's jobs. Int32 slots of a block:
 */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const CLAIM = 3;
/** Which module runs the job: an index into the modules the worker was given (plain SIMD, FMA). */
const MODULE = 4;
const ARGS = 5;
export const MAX_ARGS = 16;

/** The kernels a helper thread can run: op k is HELPER_OPS[k − 1] (the list both threads dispatch from). */
export const HELPER_OPS = ['gemmStrided', 'gemmNTStrided', 'csrGemmRows', 'csrProductRows', 'csrTranspose', 'im2col', 'col2im'] as const;
export type HelperOp = (typeof HELPER_OPS)[number];
/** The op number of a kernel. */
export const opOf = (name: HelperOp): number => HELPER_OPS.indexOf(name) + 1;
export const OP_GEMM = opOf('gemmStrided');
export const OP_GEMM_NT = opOf('gemmNTStrided');
export const OP_CSR_ROWS = opOf('csrGemmRows');
export const OP_CSR_PRODUCT_ROWS = opOf('csrProductRows');
export const OP_CSR_TRANSPOSE = opOf('csrTranspose');
export const OP_IM2COL = opOf('im2col');
export const OP_COL2IM = opOf('col2im');
const OP_EXIT = HELPER_OPS.length + 1;
// Atomics.load iterations of a spin-wait: ~5–8 ns each here. The worker spins ~1 ms after a job,
// long enough to stay awake from one split GEMM of a training step to the next (an MLP batch at 64
// is ~1 ms); when splits stop paying (index.ts times them), jobs stop and it sleeps. The main
// thread spins ~0.1 ms for the worker's half before sleeping.
const SPIN_WORKER = 150_000;
const SPIN_MAIN = 20_000;
const TIMEOUT_MS = 20_000;

// Plain JS so it runs the same from dist/, from the TypeScript sources under ts-jest, and in a browser;
// the platform provides `workerData`. The op list arrives in it (HELPER_OPS), never repeated here.
const WORKER_SOURCE = `
const { modules, memory, ctlByte, ctlInts, spin, ops } = workerData;
const ctl = new Int32Array(memory.buffer, ctlByte, ctlInts);
const kernels = modules.map((m) => new WebAssembly.Instance(m, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports);
let seen = 0;
for (;;) {
  let n = 0;
  while (Atomics.load(ctl, ${SEQ}) === seen && n < spin) n++;
  if (Atomics.load(ctl, ${SEQ}) === seen) Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.load(ctl, ${OP}) === ${OP_EXIT}) break;
  if (Atomics.compareExchange(ctl, ${CLAIM}, seen, -seen) !== seen) continue; // taken back, or stale
  const kernel = kernels[ctl[${MODULE}]] && kernels[ctl[${MODULE}]][ops[ctl[${OP}] - 1]];
  const a = ctl.subarray(${ARGS}, ${ARGS} + ${MAX_ARGS});
  let status = seen;
  try {
    if (kernel) kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
    else status = -seen;
  } catch (e) {
    status = -seen;
  }
  Atomics.store(ctl, ${DONE}, status);
  Atomics.notify(ctl, ${DONE});
}
`;

/** One helper thread; run() hands it a kernel call, join() waits for it to finish. */
export class HelperThread {
  private worker: PlatformWorker | null = null;
  private ctl: Int32Array;
  private generation = 0;
  private seq = 0;
  private pending = false;
  private readonly args: number[] = [];
  private op = 0;
  private module = 0;
  /** Worker threads could not be started here; `local` marks a job left for join() to run. */
  private unavailable = false;
  private failures = 0;
  private local = false;
  /** Jobs the worker ran, jobs this thread took back (for the benchmarks and tests). */
  readonly stats = { worker: 0, stolen: 0 };

  /**
   * modules: the compiled kernels the worker instantiates (a job names one by index). runLocal(module, op,
   * args) runs a job on this thread (when the worker has not claimed it in time). startWorker starts a
   * thread (Platform.startWorker), null where there can be none (a memory that is not shared).
   */
  constructor(
    private readonly modules: readonly WasmModule[],
    private readonly memory: WasmMemory,
    private readonly runLocal: (module: number, op: number, args: readonly number[]) => void,
    private readonly startWorker: ((source: string, workerData: unknown) => PlatformWorker) | null,
  ) {
    if (ARGS + MAX_ARGS > LAYOUT.controlBlock.bytes / 4) throw new Error('wasm memory map: a control block is too small for its slots');
    this.ctl = new Int32Array(memory.buffer, LAYOUT.controlBlock.start, LAYOUT.controlBlock.bytes / 4);
    this.unavailable = startWorker === null;
  }

  /** Starts the kernel `op` of modules[module] with up to MAX_ARGS (16) integer arguments on the helper thread. */
  run(module: number, op: number, args: readonly number[]): void {
    if (this.pending) throw new Error('wasm helper thread: run() while a job is pending');
    if (args.length > MAX_ARGS) throw new Error(`wasm helper thread: ${args.length} arguments, at most ${MAX_ARGS}`);
    this.module = module;
    this.op = op;
    this.args.length = 0;
    for (let i = 0; i < args.length; i++) this.args.push(args[i]);
    if (!this.worker && !this.unavailable) {
      try {
        this.start();
      } catch {
        this.unavailable = true; // no worker threads here: every job runs on this thread
      }
    }
    if (this.unavailable) {
      this.pending = true;
      this.local = true;
      return;
    }
    const ctl = this.ctl;
    ctl[OP] = op;
    ctl[MODULE] = module;
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i]; // addresses ≥ 2³¹ wrap to the same i32 bits
    this.seq = this.seq >= 0x3fffffff ? 1 : this.seq + 1;
    this.pending = true;
    Atomics.store(ctl, CLAIM, this.seq);
    Atomics.store(ctl, SEQ, this.seq);
    Atomics.notify(ctl, SEQ, 1);
  }

  /** Waits for the job started by run(); throws if the worker failed or went silent. */
  join(): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.local) {
      this.local = false;
      this.runLocal(this.module, this.op, this.args);
      return;
    }
    const ctl = this.ctl;
    const seq = this.seq;
    if (Atomics.compareExchange(ctl, CLAIM, seq, 0) === seq) {
      this.stats.stolen++;
      this.runLocal(this.module, this.op, this.args);
      return;
    }
    this.stats.worker++;
    let spins = 0;
    let d: number;
    const t0 = Date.now();
    while ((d = Atomics.load(ctl, DONE)) !== seq) {
      if (d === -seq) throw new Error('wasm helper thread: kernel failed');
      if (++spins > SPIN_MAIN) {
        Atomics.wait(ctl, DONE, d, 100);
        if (Date.now() - t0 > TIMEOUT_MS) {
          this.shutdown();
          throw new Error('wasm helper thread did not answer within 20 s');
        }
      }
    }
  }

  /** Stops the worker (it is restarted on the next split GEMM). Safe to call any time. */
  shutdown(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    this.pending = false;
    Atomics.store(this.ctl, OP, OP_EXIT);
    this.seq = this.seq >= 0x3fffffff ? 1 : this.seq + 1;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ, 1);
    w.terminate();
  }

  get running(): boolean {
    return this.worker !== null;
  }

  private start(): void {
    // A fresh control block; the new worker starts with seen = 0, so no job may look pending.
    const { start, count, bytes } = LAYOUT.controlBlock;
    const ctlByte = start + (this.generation++ % count) * bytes;
    const ctlInts = bytes / 4;
    this.ctl = new Int32Array(this.memory.buffer, ctlByte, ctlInts);
    this.ctl.fill(0);
    this.seq = 0;
    const w = this.startWorker!(WORKER_SOURCE, { modules: this.modules, memory: this.memory, ctlByte, ctlInts, spin: SPIN_WORKER, ops: HELPER_OPS });
    w.onError(() => {
      if (this.worker === w) this.worker = null;
      // A worker that cannot even start (twice) will not start later: stop trying.
      if (++this.failures >= 2) this.unavailable = true;
    });
    this.worker = w;
  }
}
