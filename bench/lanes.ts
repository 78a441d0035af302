// The "garbage upper lanes" check: the wasm image kernels of an FNN study training step, each timed
// standalone and then right after a batchNormStats call. Part of `npm run bench` (--only lanes runs it
// alone; `node dist/bench/lanes.js` prints the table without the rest of the bench).
//
// Why: V8 keeps scratch values in xmm15, and batchNormStats' i8x16.shuffle leaves its byte mask there
// (as floats: ~1e-37 to 7e-30). A scalar int→float conversion compiles to vcvtsi2ss/sd, which copies
// xmm15's upper lanes into its result; scalar multiplies on such a register ran ~5x slower on the AMD
// EPYC of docs/performance.md ("Garbage upper lanes"), and the state lasts until xmm15 is overwritten,
// so a kernel could be fast alone and slow in fit. A kernel free of the pattern times the same in both
// columns. The timing runs in a child process (one wasm thread), so the "standalone" column really
// comes before any batchNormStats call of that process.
//
// Shapes: the study FNN at batch 128: dropout over 128·128 values (rate 0.2), batch normalization of
// (128, 128) with the fused ReLU. Each figure is the median over ROUNDS rounds of the mean of CALLS calls.

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { spawnSync } from 'child_process';
import { cpus } from 'os';
import { join } from 'path';
import { loadWasmBackend, shutdown } from '../lib/backend/wasm';
import { findPackageRoot } from '../lib/node/data';
import { Rng } from '../lib/rng';
import { median } from '../lib/util/format';

export interface LanesRow {
  kernel: string;
  /** µs per call: never after batchNormStats, then with a batchNormStats call before each. */
  standalone: number;
  afterStats: number;
}

export interface LanesBenchResult {
  cpu: string;
  rows: LanesRow[];
}

const ROUNDS = 9;
const CALLS = 200;
const WARMUP = 3000;

/** Times the kernels in this process (the child's work): every one standalone first, then after batchNormStats. */
function timeKernels(): LanesRow[] {
  const be = loadWasmBackend();
  const k = be.imageKernels!;
  const N = 128;
  const C = 128;
  const n = N * C;
  const rng = new Rng(1);
  const filled = (m: number, f: () => number): Float32Array => {
    const a = be.alloc(m);
    for (let i = 0; i < m; i++) a[i] = f();
    return a;
  };
  const x = filled(n, () => rng.normal());
  const dy = filled(n, () => rng.normal() * 1e-2);
  const [y, mask, dx] = [n, n, n].map((m) => be.alloc(m));
  const [mean, variance, invStd, dgamma, dbeta] = [C, C, C, C, C].map((m) => be.alloc(m));
  const gamma = filled(C, () => 1);
  const beta = filled(C, () => 0);
  const acc = be.alloc(4 * C);
  const words = be.alloc(4);
  const state = new Int32Array(words.buffer, words.byteOffset, 4);
  state.set([1, 2, 3, 4]);
  const stats = (): void => {
    k.batchNormStats(mean, variance, invStd, x, acc, N, C, 1e-5);
  };
  const kernels: [string, () => void][] = [
    ['dropoutForward', () => k.dropoutForward(y, mask, x, state, n, 0.2)],
    ['dropoutBackward', () => k.dropoutBackward(dx, dy, mask, n)],
    ['batchNormNormalize', () => k.batchNormNormalize(y, x, mean, invStd, gamma, beta, N, C, true)],
    ['batchNormBackward', () => k.batchNormBackward(dx, dgamma, dbeta, dy, x, mean, gamma, beta, invStd, acc, N, C, true, true)],
  ];
  const time = (fn: () => void, before: () => void): number => {
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let ms = 0;
      for (let i = 0; i < CALLS; i++) {
        before();
        const t0 = performance.now();
        fn();
        ms += performance.now() - t0;
      }
      rounds.push((1000 * ms) / CALLS);
    }
    return median(rounds);
  };
  const nothing = (): void => {};
  // The normalisation kernels' statistics are set by hand: computing them would call batchNormStats
  // before the standalone column.
  mean.fill(0);
  invStd.fill(1);
  // Warm up: enough calls for V8 to tier every kernel up to its optimising compiler.
  for (const [, fn] of kernels) for (let i = 0; i < WARMUP; i++) fn();
  kernels.forEach(([, fn]) => time(fn, nothing)); // one more untimed pass: the first timed rounds ran slow
  const standalone = kernels.map(([, fn]) => time(fn, nothing));
  const after = kernels.map(([, fn]) => time(fn, stats));
  shutdown();
  return kernels.map(([kernel], i) => ({ kernel, standalone: standalone[i], afterStats: after[i] }));
}

/** Runs the timing in a fresh node process and returns its rows. */
export function benchLanes(): LanesBenchResult {
  // One thread: the kernels are single-threaded anyway, and no helper thread competes for the cores.
  const env = { ...process.env, SCRATCHNET_WASM_THREADS: '1' };
  const script = join(findPackageRoot(__dirname), 'dist', 'bench', 'lanes.js'); // the built file, also when run from the sources
  const r = spawnSync(process.execPath, [script, '--json'], { encoding: 'utf8', maxBuffer: 1 << 20, env });
  if (r.status !== 0) throw new Error(`bench/lanes child failed (${r.status}): ${r.stderr}`);
  return { cpu: cpus()[0]?.model ?? 'unknown', rows: JSON.parse(r.stdout) as LanesRow[] };
}

/** The table lines of a result. */
export function lanesTable(r: LanesBenchResult): string[] {
  return [
    `wasm image kernels of an FNN step, µs per call (median of ${ROUNDS} rounds of ${CALLS}), on ${r.cpu}:`,
    ...r.rows.map((x) => `  ${x.kernel.padEnd(20)} standalone ${x.standalone.toFixed(1).padStart(7)}   after batchNormStats ${x.afterStats.toFixed(1).padStart(7)}   ratio ${(x.afterStats / x.standalone).toFixed(2)}`),
  ];
}

if (require.main === module) {
  if (process.argv[2] === '--json') console.log(JSON.stringify(timeKernels()));
  else for (const line of lanesTable(benchLanes())) console.log(line);
}
