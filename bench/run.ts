// The benchmark suite behind `npm run bench`: scratchnet against the same work in NumPy, measured in
// one session on this machine, printed as tables and written to bench/results/<date>.json.
//
//   1. checks, before anything is timed: each scratchnet backend and the NumPy loop, started from
//      the same weights on the same rows, give the same losses for the first batches; each GEMM
//      result is compared with the reference kernel (bench/gemm.ts) or float64 (numpy_gemm.py)
//   2. GEMM GFLOP/s in the three backprop forms on the MLP's shapes at batch 64 and 256³, 512³
//   3. MLP 784-128-64-10 training samples/s at batch 32, 64, 128 (bench/mlp.ts, bench/numpy_mlp.py),
//      runs alternating between implementations so load from other processes hits all alike
//   4. Fashion-MNIST load time (bench/load-data.ts)
//   5. the `train` default network (3x512, weight decay) over 8 epochs: seconds of each, last/first,
//      and the subnormal floats in its parameters and optimizer slots after each (bench/epochs.ts)
//   6. the wasm image kernels of an FNN step standalone and after batchNormStats (bench/lanes.ts: the
//      "garbage upper lanes" stall of docs/performance.md)
//   7. the targets (issues 6 and 10) as ratios of medians from this run
//
// Every result names the CPU model (Intel and AMD differ, above all on subnormal floats).
//
// NumPy runs in python3 subprocesses without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, twice: with
// OpenBLAS's default threads (both cores) and with one thread; the ratios use the faster of the two
// medians ("numpy best"), so a contended second core cannot flatter scratchnet.
//
//   npm run bench                   the full run (a few minutes)
//   npm run bench -- --quick        tiny settings for development (~1 min): 20 batches per MLP run
//   node dist/bench/run.js --help   every option

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { spawnSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import { join } from 'path';
import { getBackend, listBackends, setBackend, type Backend } from '../lib/backend';
import { wasmVariant, type WasmBackend } from '../lib/backend/wasm';
import { findPackageRoot } from '../lib/node/data';
import { DEFAULT_CONFIG } from '../lib/node/experiments/assignment';
import { benchGemm, mlpShapes, squareShapes, type GemmRow, type GemmShape } from './gemm';
import { benchEpochs, type EpochBenchResult } from './epochs';
import { benchFnnCnn, type FnnCnnBenchResult } from './fnn-cnn';
import { benchLoadData, type LoadDataBenchResult } from './load-data';
import { benchLanes, lanesTable, type LanesBenchResult } from './lanes';
import { formatTable as alignedTable, median } from '../lib/util/format';
import { benchScript, checkMlpAgreement, loadMlpData, numpyEnv, NumpyMlp, scratchnetPhases, SMALL_MLP, TRAIN_DEFAULT_MLP, trainScratchnet, type AgreementRow, type BlasInfo, type MlpData, type MlpPhases, type MlpRun, type MlpSpec } from './mlp';

export interface BenchOptions {
  quick: boolean;
  /** Which parts run. */
  parts: { gemm: boolean; mlp: boolean; load: boolean; epochs: boolean; cnn: boolean; lanes: boolean };
  /** Also train the `train` default network (3x512, weight decay) against NumPy, these batches per run. */
  defaultNet: boolean;
  defaultBatches: number;
  /** Epochs of the `train` default network, and its training rows (undefined: all 54,000). */
  epochs: number;
  epochRows?: number;
  /** FNN/CNN study models: timed batches per run (batch 128) and runs. */
  cnnBatches: number;
  cnnRuns: number;
  /** MLP: timed runs per implementation and batch size (median reported). */
  runs: number;
  /** MLP: batches per run; undefined = one epoch. */
  batches?: number;
  /** MLP: runs of the slow reference backend (at most `runs`), and its batches per run. */
  refRuns: number;
  refBatches?: number;
  batchSizes: number[];
  /** MLP training rows (54,000 by default). */
  rows: number;
  /** GEMM: shapes, samples per shape and minimum milliseconds per sample. */
  gemmShapes: GemmShape[];
  gemmSamples: number;
  gemmMinMs: number;
  loadRuns: number;
  /** Also time the NumPy loop with one OpenBLAS thread, and wasm without its helper thread. */
  singleThreadVariants: boolean;
  /** Where the JSON goes; null: not written. */
  out: string | null;
  log: (line: string) => void;
}

export function defaultOptions(quick = false): BenchOptions {
  return {
    quick,
    parts: { gemm: true, mlp: true, load: true, epochs: true, cnn: true, lanes: true },
    defaultNet: true,
    defaultBatches: quick ? 10 : 200,
    epochs: quick ? 2 : 8,
    epochRows: quick ? 3000 : undefined,
    cnnBatches: quick ? 5 : 60,
    cnnRuns: quick ? 1 : 3,
    runs: quick ? 2 : 5,
    batches: quick ? 20 : undefined,
    refRuns: quick ? 1 : 3,
    refBatches: quick ? 20 : undefined,
    batchSizes: [32, 64, 128],
    rows: 54000,
    gemmShapes: [...mlpShapes(), ...squareShapes()],
    gemmSamples: quick ? 3 : 7,
    gemmMinMs: quick ? 5 : 20,
    loadRuns: quick ? 2 : 5,
    singleThreadVariants: true,
    out: join(findPackageRoot(__dirname), 'bench', 'results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}Z${quick ? '-quick' : ''}.json`),
    log: (line) => console.log(line),
  };
}

// ---- small helpers ----

/** An aligned text table with a rule under the header; numbers right-aligned. */
export function formatTable(head: string[], rows: string[][]): string {
  return alignedTable(head, rows, { rule: true });
}

const fmt = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const fmtInt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? undefined : a / b);

/** The scratchnet backends that load here (name → Backend), and why the others do not. */
export function availableBackends(): { ok: Map<string, Backend>; failed: Record<string, string> } {
  const previous = getBackend().name;
  const ok = new Map<string, Backend>();
  const failed: Record<string, string> = {};
  for (const name of listBackends()) {
    try {
      ok.set(name, setBackend(name));
    } catch (e) {
      failed[name] = (e as Error).message;
    }
  }
  setBackend(previous);
  return { ok, failed };
}

/** The wasm backend's helper-thread switch, if the backend has one. */
function threadSwitch(be: Backend | undefined): { threads: boolean } | null {
  const o = (be as (Backend & { options?: { threads?: boolean } }) | undefined)?.options;
  return o && typeof o.threads === 'boolean' ? (o as { threads: boolean }) : null;
}

function machineInfo() {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: findPackageRoot(__dirname), encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: findPackageRoot(__dirname), encoding: 'utf8' });
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    commit: git.status === 0 ? git.stdout.trim() + (dirty.stdout.trim() ? ' (+ uncommitted changes)' : '') : 'unknown',
    /** Tracked files with uncommitted changes when the run started (others work in the same tree). */
    uncommitted: dirty.status === 0 ? dirty.stdout.split('\n').map((l) => l.slice(3).trim()).filter(Boolean) : [],
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

// ---- GEMM ----

export interface GemmTableRow {
  shape: string;
  form: string;
  label: string;
  density: number;
  /** GFLOP/s per implementation (scratchnet backends, numpy, numpy-1t). */
  gflops: Record<string, number>;
  numpyBest: number | undefined;
  /** scratchnet backend → its GFLOP/s / numpyBest. */
  vsNumpy: Record<string, number | undefined>;
}

/** NumPy GEMM rows from bench/numpy_gemm.py (threads: OPENBLAS_NUM_THREADS, default all cores). */
export function numpyGemm(shapes: GemmShape[], samples: number, minMs: number, threads?: number): { blas: BlasInfo; rows: GemmRow[] } {
  const name = threads === undefined ? 'numpy' : `numpy-${threads}t`;
  const r = spawnSync(process.env.PYTHON ?? 'python3', [benchScript('numpy_gemm.py'), JSON.stringify(shapes), String(samples), String(minMs), name], { env: numpyEnv(threads), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`numpy_gemm.py failed (${r.status ?? r.error?.message}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as { blas: BlasInfo; rows: GemmRow[] };
}

/** One row per (shape, form), with every implementation's GFLOP/s side by side. */
export function gemmTable(rows: GemmRow[], scratchnetNames: string[]): GemmTableRow[] {
  const out = new Map<string, GemmTableRow>();
  for (const r of rows) {
    const key = `${r.shape} ${r.form} ${r.density}`;
    let t = out.get(key);
    if (!t) out.set(key, (t = { shape: r.shape, form: r.form, label: r.label, density: r.density, gflops: {}, numpyBest: undefined, vsNumpy: {} }));
    t.gflops[r.backend] = r.gflops;
  }
  for (const t of out.values()) {
    const np = Object.entries(t.gflops).filter(([k]) => k.startsWith('numpy')).map(([, v]) => v);
    t.numpyBest = np.length ? Math.max(...np) : undefined;
    for (const be of scratchnetNames) t.vsNumpy[be] = ratio(t.gflops[be], t.numpyBest);
  }
  return [...out.values()];
}

function printGemm(table: GemmTableRow[], impls: string[], scratchnetNames: string[], log: (s: string) => void): void {
  const head = ['shape MxKxN', 'form', 'A density', ...impls.map((i) => `${i} GF/s`), ...scratchnetNames.map((b) => `${b}/numpy`), 'label'];
  log(formatTable(head, table.map((t) => [t.shape, t.form, fmt(t.density), ...impls.map((i) => fmt(t.gflops[i])), ...scratchnetNames.map((b) => fmt(t.vsNumpy[b]) + (t.vsNumpy[b] === undefined ? '' : 'x')), t.label])));
}

// ---- MLP ----

export interface MlpSummaryRow {
  impl: string;
  batchSize: number;
  runs: number;
  batchesPerRun: number;
  samplesPerRun: number;
  /** Median samples/s over the runs, and every run's figure. */
  samplesPerSec: number;
  allSamplesPerSec: number[];
  /** Median samples/s of the batch loop alone (MlpRun.loopSeconds). */
  loopSamplesPerSec: number;
  /** Median of the runs' mean training losses. */
  loss: number;
  /** The loss is finite and below the sanity bound for this run length. */
  lossOk: boolean;
}

/**
 * Sanity bound on the mean training loss of a run: a full epoch must get far below chance (ln 10 ≈
 * 2.30; one epoch of this MLP reaches ≈ 0.3), a few thousand samples clearly below it; a handful of
 * batches only needs to stay near it (the first batches start at ≈ 2.3-2.4).
 */
export function lossBound(samples: number): number {
  return samples >= 50000 ? 0.6 : samples >= 5000 ? 1.5 : 3;
}

export function summariseMlp(runs: MlpRun[]): MlpSummaryRow[] {
  const groups = new Map<string, MlpRun[]>();
  for (const r of runs) {
    const k = `${r.impl}@${r.batchSize}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const loss = median(g.map((r) => r.loss));
    return {
      impl: g[0].impl,
      batchSize: g[0].batchSize,
      runs: g.length,
      batchesPerRun: g[0].batches,
      samplesPerRun: g[0].samples,
      samplesPerSec: median(g.map((r) => r.samplesPerSec)),
      allSamplesPerSec: g.map((r) => r.samplesPerSec),
      loopSamplesPerSec: median(g.map((r) => r.samples / r.loopSeconds)),
      loss,
      lossOk: g.every((r) => Number.isFinite(r.loss) && r.loss < lossBound(r.samples)),
    };
  });
}

/** Times every implementation at every batch size, alternating implementations run by run. */
async function benchMlpAll(o: BenchOptions, data: MlpData, backends: Map<string, Backend>, numpys: NumpyMlp[], spec: MlpSpec = SMALL_MLP): Promise<MlpRun[]> {
  type Impl = { name: string; runs: number; batches?: number; run: (B: number, batches: number | undefined, seed: number) => Promise<MlpRun> };
  const impls: Impl[] = [];
  const scratch = (name: string, be: string, threads: boolean | null): Impl['run'] => async (B, batches, seed) => {
    const sw = threads === null ? null : threadSwitch(backends.get(be));
    const before = sw?.threads;
    if (sw && threads !== null) sw.threads = threads;
    try {
      return { ...trainScratchnet(be, data, B, { batches, seed, spec }), impl: name };
    } finally {
      if (sw && before !== undefined) sw.threads = before;
    }
  };
  for (const name of backends.keys()) {
    if (name === 'reference') continue;
    impls.push({ name, runs: o.runs, batches: o.batches, run: scratch(name, name, null) });
    if (o.singleThreadVariants && threadSwitch(backends.get(name))) impls.push({ name: `${name}-1t`, runs: o.runs, batches: o.batches, run: scratch(`${name}-1t`, name, false) });
  }
  for (const np of numpys) impls.push({ name: np.name, runs: o.runs, batches: o.batches, run: (B, batches, seed) => np.train(B, { batches, seed }) });
  if (backends.has('reference')) impls.push({ name: 'reference', runs: Math.min(o.refRuns, o.runs), batches: o.refBatches, run: scratch('reference', 'reference', null) });

  const all: MlpRun[] = [];
  for (const B of o.batchSizes) {
    // Warm-up (untimed): lets V8 optimise the loops and NumPy touch its buffers.
    for (const im of impls) await im.run(B, Math.min(o.quick ? 3 : 30, im.batches ?? Infinity), 0);
    for (let r = 0; r < o.runs; r++) {
      for (const im of impls) {
        if (r >= im.runs) continue;
        const run = await im.run(B, im.batches, r + 1);
        all.push(run);
        o.log(`  batch ${B} run ${r + 1}: ${run.impl.padEnd(10)} ${fmtInt(run.samplesPerSec).padStart(8)} samples/s  (${run.samples} samples in ${run.seconds.toFixed(2)} s, loss ${run.loss.toFixed(4)})`);
      }
    }
  }
  return all;
}

// ---- targets ----

export interface TargetRow {
  target: string;
  measured: number | undefined;
  goal: number;
  /** The goal is an upper bound (epoch last/first), not a lower one. */
  atMost?: boolean;
  met: boolean;
}

// ---- the run ----

export interface BenchResult {
  date: string;
  command: string;
  options: Omit<BenchOptions, 'log' | 'gemmShapes'> & { gemmShapes: string[] };
  machine: ReturnType<typeof machineInfo> & { loadavgEnd?: number[]; wasmKernels?: string };
  backends: string[];
  unavailableBackends: Record<string, string>;
  blas: Record<string, BlasInfo>;
  checks: { mlpAgreement?: AgreementRow[]; gemmMaxError?: Record<string, number> };
  gemm?: { rows: GemmRow[]; table: GemmTableRow[] };
  mlp?: { runs: MlpRun[]; summary: MlpSummaryRow[]; phases?: MlpPhases[] };
  /** The `train` default network against NumPy (wasm only). */
  mlpDefault?: { spec: MlpSpec; runs: MlpRun[]; summary: MlpSummaryRow[] };
  loadData?: LoadDataBenchResult;
  epochs?: EpochBenchResult;
  fnnCnn?: FnnCnnBenchResult;
  lanes?: LanesBenchResult;
  targets: TargetRow[];
  seconds: number;
}

/** Runs the suite with the given options, printing as it goes; returns (and writes) the results. */
export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const t0 = Date.now();
  const log = o.log;
  const { ok: backends, failed } = availableBackends();
  const names = [...backends.keys()];
  const result: BenchResult = {
    date: new Date().toISOString(),
    command: ['node', 'dist/bench/run.js', ...process.argv.slice(2)].join(' '),
    options: { ...o, log: undefined, gemmShapes: o.gemmShapes.map((s) => `${s.form} ${s.M}x${s.K}x${s.N}`) } as BenchResult['options'],
    machine: machineInfo(),
    backends: names,
    unavailableBackends: failed,
    blas: {},
    checks: {},
    targets: [],
    seconds: 0,
  };
  log(`scratchnet bench ${result.date}${o.quick ? ' (QUICK mode: tiny settings, not for the README)' : ''}`);
  log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node}, commit ${result.machine.commit}, load average ${result.machine.loadavg.join(' ')}`);
  const wasmBe = backends.get('wasm') as WasmBackend | undefined;
  result.machine.wasmKernels = wasmBe?.kernelsInUse;
  if (wasmBe) log(`wasm GEMM kernels: ${wasmBe.kernelsInUse}${wasmBe.fmaAvailable ? '' : ' (this runtime does not compile relaxed SIMD)'}`);
  log(`scratchnet backends: ${names.join(', ')}${Object.keys(failed).length ? `; unavailable: ${Object.entries(failed).map(([k, v]) => `${k} (${v})`).join(', ')}` : ''}`);

  const numpys: NumpyMlp[] = [];
  try {
    let data: MlpData | null = null;
    if (o.parts.mlp) {
      data = loadMlpData(o.rows);
      try {
        numpys.push(await new NumpyMlp(o.rows).start());
        if (o.singleThreadVariants) numpys.push(await new NumpyMlp(o.rows, 1).start());
      } catch (e) {
        result.unavailableBackends.numpy = (e as Error).message;
        log(`NumPy reference unavailable, timing scratchnet alone: ${(e as Error).message}`);
      }
      for (const np of numpys) {
        result.blas[np.name] = np.blas;
        log(`${np.name}: numpy ${np.blas.numpy}, ${np.blas.blas}, OpenBLAS core ${np.blas.corename ?? '?'}, ${np.blas.threads ?? '?'} thread(s)  [${np.blas.config ?? ''}]`);
      }
      // 1. Checks before timing.
      const B = Math.min(64, Math.floor(o.rows / 5));
      result.checks.mlpAgreement = await checkMlpAgreement(names, numpys[0] ?? null, data, { batchSize: B, batches: 5 });
      log(`\ncheck: the first 5 batch losses (batch ${B}, same initial weights, unshuffled) agree:`);
      log(formatTable(['impl', 'batch losses', 'max rel. diff vs reference'], result.checks.mlpAgreement.map((r) => [r.impl, r.losses.map((l) => l.toFixed(5)).join(' '), r.maxRelDiff.toExponential(1)])));
    }

    // 2. GEMM.
    if (o.parts.gemm) {
      log(`\nGEMM (median of ${o.gemmSamples} samples of ≥ ${o.gemmMinMs} ms; each result checked first)`);
      const rows = benchGemm([...backends.values()], o.gemmShapes, { samples: o.gemmSamples, minMs: o.gemmMinMs });
      const impls = [...names];
      const ratioNames = [...names];
      // The same kernels without the helper thread: shows what the second core brings (or costs).
      for (const [name, be] of o.singleThreadVariants ? backends : []) {
        const sw = threadSwitch(be);
        if (!sw) continue;
        const before = sw.threads;
        sw.threads = false;
        try {
          rows.push(...benchGemm([be], o.gemmShapes, { samples: o.gemmSamples, minMs: o.gemmMinMs }).map((r) => ({ ...r, backend: `${name}-1t` })));
        } finally {
          sw.threads = before;
        }
        impls.push(`${name}-1t`);
        ratioNames.push(`${name}-1t`);
      }
      // The plain-SIMD GEMM kernels beside the FMA ones, where both loaded: what fusing brings here.
      const w = backends.get('wasm') as WasmBackend | undefined;
      if (w?.fmaAvailable) {
        rows.push(...benchGemm([wasmVariant(w, 'wasm-nofma', { fma: false })], o.gemmShapes, { samples: o.gemmSamples, minMs: o.gemmMinMs }));
        impls.push('wasm-nofma');
        ratioNames.push('wasm-nofma');
      }
      for (const threads of o.singleThreadVariants ? [undefined, 1] : [undefined]) {
        let np: ReturnType<typeof numpyGemm>;
        try {
          np = numpyGemm(o.gemmShapes, o.gemmSamples, o.gemmMinMs, threads);
        } catch (e) {
          result.unavailableBackends.numpyGemm = (e as Error).message;
          log(`NumPy GEMM unavailable: ${(e as Error).message}`);
          break;
        }
        rows.push(...np.rows);
        impls.push(np.rows[0]?.backend ?? 'numpy');
        result.blas[`gemm ${np.rows[0]?.backend}`] = np.blas;
      }
      result.checks.gemmMaxError = {};
      for (const r of rows) result.checks.gemmMaxError[r.backend] = Math.max(result.checks.gemmMaxError[r.backend] ?? 0, r.error);
      const table = gemmTable(rows, ratioNames);
      result.gemm = { rows, table };
      printGemm(table, impls, ratioNames, log);
      log(`GF/s = 2·M·N·K / median time (nominal, also for kernels that skip A's zeros); x/numpy = GF/s over the faster NumPy configuration`);
    }

    // 3. MLP.
    if (o.parts.mlp && data) {
      const what = o.batches === undefined ? `one epoch of ${o.rows} rows` : `the first ${o.batches} batches of a shuffled epoch over ${o.rows} rows`;
      const refWhat = o.refBatches === undefined ? 'one epoch' : `${o.refBatches} batches`;
      log(`\nMLP 784-128-64-10 training, samples/s: median of ${o.runs} runs of ${what} (reference backend: ${Math.min(o.refRuns, o.runs)} runs of ${refWhat})`);
      const runs = await benchMlpAll(o, data, backends, numpys);
      const summary = summariseMlp(runs);
      result.mlp = { runs, summary };
      printMlp(summary, o, log);
      // Where the time goes: one more (untimed for the table) run per implementation, phase by phase.
      const PB = o.batchSizes.includes(64) ? 64 : o.batchSizes[0];
      const phases: MlpPhases[] = [];
      for (const name of names) phases.push(scratchnetPhases(name, data, PB, { batches: name === 'reference' ? (o.refBatches ?? 200) : o.batches, seed: 1 }));
      for (const np of numpys) phases.push(await np.phases(PB, { batches: o.batches, seed: 1 }));
      result.mlp.phases = phases;
      log(`\nwhere the time goes at batch ${PB}: µs per batch (share of the run's wall time), one run each`);
      printPhases(phases, log);
    }

    // 3b. The `train` default network the same way (wasm against NumPy; ~15x the work per batch, so
    // `defaultBatches` batches per run).
    if (o.parts.mlp && data && o.defaultNet && backends.has('wasm')) {
      const spec = TRAIN_DEFAULT_MLP;
      const nps: NumpyMlp[] = [];
      try {
        try {
          nps.push(await new NumpyMlp(o.rows, undefined, spec).start());
          nps.push(await new NumpyMlp(o.rows, 1, spec).start());
        } catch (e) {
          log(`NumPy reference unavailable for the train default network: ${(e as Error).message}`);
        }
        log(`\nMLP ${spec.name}, Adam lr ${spec.learningRate}, weight decay ${spec.weightDecay}, samples/s: median of ${o.runs} runs of ${o.defaultBatches} batches`);
        const wasmOnly = new Map([['wasm', backends.get('wasm')!]]);
        const runs = await benchMlpAll({ ...o, batches: o.defaultBatches, singleThreadVariants: false }, data, wasmOnly, nps, spec);
        const summary = summariseMlp(runs);
        result.mlpDefault = { spec, runs, summary };
        printMlp(summary, o, log);
      } finally {
        for (const np of nps) np.close();
      }
    }

    // 3c. The FNN/CNN study's models (bench/fnn-cnn.ts), against PyTorch when python3 has torch.
    if (o.parts.cnn) {
      log(`\nFNN/CNN study models (PyTorch variant), training samples/s at batch 128: median of ${o.cnnRuns} runs of ${o.cnnBatches} batches`);
      const r = benchFnnCnn({ batches: o.cnnBatches, runs: o.cnnRuns, log });
      result.fnnCnn = r;
      log(formatTable(['model', 'scratchnet', r.torchVersion ? `torch ${r.torchVersion} (${r.torchThreads} threads)` : 'torch', 'scratchnet / torch', 'per CPU-s: scratchnet', 'torch', 'ratio'],
        r.rows.map((x) => [x.model, fmt(x.scratchnetMedian, 0), x.torchMedian === null ? '-' : fmt(x.torchMedian, 0), x.ratio === null ? '-' : fmt(x.ratio) + 'x',
          fmt(x.scratchnetCpuMedian, 0), x.torchCpuMedian === null ? '-' : fmt(x.torchCpuMedian, 0), x.cpuRatio === null ? '-' : fmt(x.cpuRatio) + 'x'])));
      log(`(samples/s of wall clock, then per CPU-second of all the process's threads; ${result.machine.cpu}, load average ${loadavg()[0].toFixed(1)})`);
      if (r.torchSkipped) log(`PyTorch not timed: ${r.torchSkipped}`);
    }

    // 4. Data loading.
    if (o.parts.load) {
      result.loadData = await benchLoadData(o.loadRuns);
      log(`\n${result.loadData.name}: median ${result.loadData.medianMs.toFixed(0)} ms over ${result.loadData.runs.length} runs`);
    }

    // 5. Epoch after epoch.
    if (o.parts.epochs) {
      const be = names.includes('wasm') ? 'wasm' : names[0];
      log(`\nthe train default network (3x512 ReLU, Adam, weight decay ${DEFAULT_CONFIG.weight_decay}) on ${be}, ${o.epochs} epochs of ${o.epochRows ?? 'all'} Fashion-MNIST training rows, on ${result.machine.cpu}:`);
      result.epochs = benchEpochs(o.epochs, { backend: be, limit: o.epochRows, log });
      log(`seconds per epoch ${result.epochs.seconds.map((x) => x.toFixed(2)).join(' ')}; last/first ${fmt(result.epochs.lastOverFirst, 3)}`);
    }

    // 6. Garbage upper lanes: the image kernels alone and after batchNormStats (in a child process).
    if (o.parts.lanes) {
      result.lanes = benchLanes();
      log('');
      for (const line of lanesTable(result.lanes)) log(line);
    }
  } finally {
    for (const np of numpys) np.close();
    for (const be of backends.values()) (be as Backend & { shutdown?(): void }).shutdown?.();
  }

  // 7. Targets.
  result.targets = targets(result);
  if (result.targets.length) {
    log(`\ntargets (ratios of medians from this run; "numpy best" = the faster of numpy and numpy-1t) on ${result.machine.cpu}`);
    log(formatTable(['target', 'measured', 'goal', 'met'], result.targets.map((t) => [t.target, fmt(t.measured) + 'x', (t.atMost ? '≤ ' : '') + fmt(t.goal, t.atMost ? 2 : 1) + 'x', t.met ? 'yes' : 'NO'])));
  }
  result.machine.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
  result.seconds = (Date.now() - t0) / 1000;
  log(`\nload average at the end: ${result.machine.loadavgEnd.join(' ')}; ${result.seconds.toFixed(0)} s in all`);
  if (o.out) {
    mkdirSync(join(o.out, '..'), { recursive: true });
    writeFileSync(o.out, JSON.stringify(result, null, 1) + '\n');
    log(`results written to ${o.out}`);
  }
  return result;
}

/** The fastest scratchnet backend by median samples/s at batch B (not counting its -1t variant). */
function bestScratchnet(summary: MlpSummaryRow[], B: number, names: string[]): MlpSummaryRow | undefined {
  const rows = summary.filter((s) => s.batchSize === B && names.includes(s.impl) && s.impl !== 'reference');
  return rows.sort((a, b) => b.samplesPerSec - a.samplesPerSec)[0];
}

function numpyBest(summary: MlpSummaryRow[], B: number): MlpSummaryRow | undefined {
  return summary.filter((s) => s.batchSize === B && s.impl.startsWith('numpy')).sort((a, b) => b.samplesPerSec - a.samplesPerSec)[0];
}

function printMlp(summary: MlpSummaryRow[], o: BenchOptions, log: (s: string) => void): void {
  const rows = summary.map((s) => {
    const np = numpyBest(summary, s.batchSize);
    const ref = summary.find((x) => x.batchSize === s.batchSize && x.impl === 'reference');
    return [String(s.batchSize), s.impl, fmtInt(s.samplesPerSec), fmt(ratio(s.samplesPerSec, np?.samplesPerSec)) + 'x', fmt(ratio(s.samplesPerSec, ref?.samplesPerSec), 1) + 'x', fmtInt(s.loopSamplesPerSec), `${s.runs}x${s.batchesPerRun}`, fmt(s.loss, 4), s.lossOk ? 'ok' : 'TOO HIGH', s.allSamplesPerSec.map(fmtInt).join(' ')];
  });
  log(formatTable(['batch', 'impl', 'samples/s', 'vs numpy best', 'vs reference', 'loop only', 'runs x batches', 'mean loss', 'loss check', 'every run'], rows));
  log(`samples/s = samples / wall time of fit() (scratchnet) or of shuffle + batch loop (numpy); "loop only" leaves out fit's input checks and shuffle`);
  void o;
}

export function printPhases(phases: MlpPhases[], log: (s: string) => void): void {
  const keys = ['gather', 'forward', 'loss', 'backward', 'gradNorm', 'optimizer', 'other'] as const;
  const cell = (p: MlpPhases, v: number | undefined) => (v === undefined ? '—' : `${fmtInt((1e6 * v) / p.batches)} (${((100 * v) / p.total).toFixed(0)}%)`);
  log(formatTable(['impl', 'batches', ...keys.map((k) => (k === 'gradNorm' ? 'grad norm' : k === 'optimizer' ? 'zero grads + adam' : k)), 'total µs/batch'], phases.map((p) => [p.impl, String(p.batches), ...keys.map((k) => cell(p, p[k])), fmtInt((1e6 * p.total) / p.batches)])));
  log(`scratchnet's "other" = fit's input checks, shuffle, row gathers, accuracy counting; numpy's "gather" = np.take of the batch rows`);
}

function targets(r: BenchResult): TargetRow[] {
  const out: TargetRow[] = [];
  const add = (target: string, measured: number | undefined, goal: number, atMost = false) =>
    out.push({ target, measured, goal, ...(atMost ? { atMost } : {}), met: measured !== undefined && (atMost ? measured <= goal : measured >= goal) });
  if (r.mlp) {
    const s = r.mlp.summary;
    for (const B of r.options.batchSizes) {
      const best = bestScratchnet(s, B, r.backends);
      if (!best) continue;
      const m = ratio(best.samplesPerSec, numpyBest(s, B)?.samplesPerSec);
      add(`MLP batch ${B}: ${best.impl} / numpy best`, m, 1.0);
      if (B === 64) add(`MLP batch 64: ${best.impl} / numpy best (stretch)`, m, 1.5);
    }
    const b64 = bestScratchnet(s, 64, r.backends);
    const ref = s.find((x) => x.batchSize === 64 && x.impl === 'reference');
    if (b64 && ref) add(`MLP batch 64: ${b64.impl} / reference backend`, ratio(b64.samplesPerSec, ref.samplesPerSec), 10);
  }
  if (r.mlpDefault) {
    const s = r.mlpDefault.summary;
    for (const B of r.options.batchSizes) {
      const w = s.find((x) => x.batchSize === B && x.impl === 'wasm');
      if (w) add(`train default 3x512 batch ${B}: wasm / numpy best`, ratio(w.samplesPerSec, numpyBest(s, B)?.samplesPerSec), 1.0);
    }
  }
  if (r.gemm) {
    for (const t of r.gemm.table.filter((x) => x.shape === '512x512x512')) {
      const be = r.backends.filter((b) => b !== 'reference').sort((a, b) => (t.gflops[b] ?? 0) - (t.gflops[a] ?? 0))[0];
      if (be) add(`GEMM 512³ ${t.form}: ${be} / numpy best`, t.vsNumpy[be], 0.3);
    }
  }
  if (r.epochs) add(`train default, ${r.epochs.seconds.length} epochs: last / first epoch seconds`, r.epochs.lastOverFirst, 1.15, true);
  return out;
}

// ---- the README's tables ----

/** Markdown tables of a run (for the README's Performance section), with the numbers as measured. */
export function markdownReport(r: BenchResult): string {
  const md = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((x) => `| ${x.join(' | ')} |`)].join('\n');
  const out: string[] = [];
  const np = r.blas.numpy ?? r.blas['gemm numpy'] ?? {};
  const args = r.command.replace(/^node dist\/bench\/run\.js\s*/, '');
  out.push(`Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${args ? `npm run bench -- ${args}` : 'npm run bench'}\` at commit ${r.machine.commit}: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node.replace(/^v/, '')}${r.machine.wasmKernels ? ` (wasm GEMM kernels: ${r.machine.wasmKernels})` : ''}, NumPy ${np.numpy ?? '?'} with ${np.blas ?? '?'} (OpenBLAS core ${np.corename ?? '?'}). Load average (1 / 5 / 15 min) ${r.machine.loadavg.join(' / ')} at the start and ${(r.machine.loadavgEnd ?? []).join(' / ')} at the end (the cores are shared with other developers' jobs).${r.machine.uncommitted?.length ? ` Uncommitted files in the tree: ${r.machine.uncommitted.join(', ')}.` : ''}`);
  if (r.mlp) {
    const s = r.mlp.summary;
    const impls = [...new Set(s.map((x) => x.impl))];
    const get = (impl: string, B: number) => s.find((x) => x.impl === impl && x.batchSize === B);
    const best = (B: number) => bestScratchnet(s, B, r.backends);
    out.push('', `**MLP training**, samples/s (median of ${r.options.runs} runs of ${r.options.batches === undefined ? 'one 54,000-image epoch' : `${r.options.batches} batches`}; reference backend: ${Math.min(r.options.refRuns, r.options.runs)} runs of ${r.options.refBatches === undefined ? 'one epoch' : `${r.options.refBatches} batches`}):`, '');
    out.push(md(['batch', ...impls, 'scratchnet / NumPy best', 'scratchnet / reference'], r.options.batchSizes.map((B) => {
      const b = best(B);
      return [String(B), ...impls.map((i) => fmtInt(get(i, B)?.samplesPerSec)), `${fmt(ratio(b?.samplesPerSec, numpyBest(s, B)?.samplesPerSec))}x (${b?.impl ?? '—'})`, `${fmt(ratio(b?.samplesPerSec, get('reference', B)?.samplesPerSec), 1)}x`];
    })));
    out.push('', `Mean training loss of the epoch at batch 64: ${impls.map((i) => `${i} ${fmt(get(i, 64)?.loss, 3)}`).join(', ')}.`);
  }
  if (r.mlpDefault) {
    const s = r.mlpDefault.summary;
    const impls = [...new Set(s.map((x) => x.impl))];
    const get = (impl: string, B: number) => s.find((x) => x.impl === impl && x.batchSize === B);
    out.push('', `**The \`train\` default network** ${r.mlpDefault.spec.name}, Adam lr ${r.mlpDefault.spec.learningRate}, weight decay ${r.mlpDefault.spec.weightDecay}, samples/s (median of ${r.options.runs} runs of ${r.options.defaultBatches} batches):`, '');
    out.push(md(['batch', ...impls, 'wasm / NumPy best'], r.options.batchSizes.map((B) => [String(B), ...impls.map((i) => fmtInt(get(i, B)?.samplesPerSec)), `${fmt(ratio(get('wasm', B)?.samplesPerSec, numpyBest(s, B)?.samplesPerSec))}x`])));
  }
  if (r.targets.length) {
    out.push('', '**Targets** (ratios of medians from this run):', '');
    out.push(md(['target', 'measured', 'goal', 'met'], r.targets.map((t) => [t.target, `${fmt(t.measured)}x`, `${t.atMost ? '≤ ' : ''}${fmt(t.goal, t.atMost ? 2 : 1)}x`, t.met ? 'yes' : '**no**'])));
  }
  if (r.mlp?.phases) {
    const keys = ['gather', 'forward', 'loss', 'backward', 'gradNorm', 'optimizer', 'other'] as const;
    out.push('', `**Where the time goes** at batch ${r.mlp.phases[0].batchSize}, µs per batch (share of the run):`, '');
    out.push(md(['impl', 'batches', 'gather', 'forward', 'loss', 'backward', 'grad norm', 'zero grads + Adam', 'other (fit)', 'total'], r.mlp.phases.map((p) => [p.impl, String(p.batches), ...keys.map((k) => (p[k] === undefined ? '—' : `${fmtInt((1e6 * p[k]!) / p.batches)} (${((100 * p[k]!) / p.total).toFixed(0)}%)`)), fmtInt((1e6 * p.total) / p.batches)])));
  }
  if (r.gemm) {
    const impls = [...new Set(r.gemm.rows.map((x) => x.backend))];
    const sn = Object.keys(r.gemm.table[0]?.vsNumpy ?? {}).filter((b) => b !== 'reference');
    out.push('', `**GEMM**, GFLOP/s (2·M·N·K / median time of ${r.options.gemmSamples} samples):`, '');
    out.push(md(['M×K×N', 'form', 'A density', ...impls, ...sn.map((b) => `${b} / NumPy best`), 'use'], r.gemm.table.map((t) => [t.shape.replace(/x/g, '×'), t.form, fmt(t.density), ...impls.map((i) => fmt(t.gflops[i], 1)), ...sn.map((b) => `${fmt(t.vsNumpy[b])}x`), t.label])));
  }
  if (r.epochs) {
    const e = r.epochs;
    out.push('', `**Epoch after epoch**: the \`train\` default network on ${e.backend}, ${e.seconds.length} epochs of ${e.trainRows} rows (${e.cpu}); last/first ${fmt(e.lastOverFirst, 3)}:`, '');
    out.push(md(['epoch', ...e.seconds.map((_, i) => String(i + 1))], [['seconds', ...e.seconds.map((x) => fmt(x))], ['CPU seconds', ...e.cpuSeconds.map((x) => fmt(x))], ...(e.nonzeroInputs[0] ?? []).map((_, l) => [`Dense ${l + 1} input nonzero`, ...e.nonzeroInputs.map((f) => `${fmt(100 * f[l], 1)}%`)]), ['subnormal params', ...e.subnormalParams.map(String)], ['subnormal slot values', ...e.subnormalSlots.map(String)]]));
  }
  if (r.lanes) {
    out.push('', `**Image kernels of an FNN step, alone and after batchNormStats** (µs per call, ${r.lanes.cpu}):`, '');
    out.push(md(['kernel', 'standalone', 'after batchNormStats', 'ratio'], r.lanes.rows.map((x) => [x.kernel, fmt(x.standalone, 1), fmt(x.afterStats, 1), fmt(x.afterStats / x.standalone)])));
  }
  if (r.loadData) out.push('', `**Data loading**: ${r.loadData.name}: median ${r.loadData.medianMs.toFixed(0)} ms over ${r.loadData.runs.length} runs.`);
  return out.join('\n');
}

// ---- command line ----

const HELP = `usage: node dist/bench/run.js [options]   (npm run bench -- [options])
  --quick              tiny settings (also SCRATCHNET_BENCH_QUICK=1): 20 batches per MLP run, 2 runs
  --only gemm,mlp,load,epochs,cnn,lanes  run only these parts (cnn: the FNN/CNN study's models, vs PyTorch if
                       installed; lanes: the image kernels alone and after batchNormStats)
  --epochs N           epochs of the train default network (default 8); --epoch-rows N its training rows
  --runs N             MLP runs per implementation and batch size (default 5)
  --batches N          MLP batches per run (default: one epoch)
  --ref-runs N         runs of the reference backend (default 3); --ref-batches N its batches per run
  --batch-sizes 32,64  MLP batch sizes (default 32,64,128)
  --default-batches N  batches per run of the train default network against NumPy (default 200); --no-default-net to skip
  --cnn-batches N       FNN/CNN: batches of 128 per run (default 60); --cnn-runs N runs (default 3)
  --no-single-thread   skip the numpy-1t and wasm-1t variants
  --out FILE           JSON output (default bench/results/<date>.json); --no-out to skip
  --markdown FILE.json print a results file's tables as Markdown (the README's) and exit`;

export function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick') || process.env.SCRATCHNET_BENCH_QUICK === '1';
  const o = defaultOptions(quick);
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a positive integer, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--quick') continue;
    else if (a === '--help' || a === '-h') {
      console.log(HELP);
      process.exit(0);
    } else if (a === '--only') {
      const want = v()?.split(',') ?? [];
      for (const w of want) if (!['gemm', 'mlp', 'load', 'epochs', 'cnn', 'lanes'].includes(w)) throw new Error(`--only: unknown part '${w}' (expected gemm, mlp, load, epochs, cnn, lanes)`);
      o.parts = { gemm: want.includes('gemm'), mlp: want.includes('mlp'), load: want.includes('load'), epochs: want.includes('epochs'), cnn: want.includes('cnn'), lanes: want.includes('lanes') };
    } else if (a === '--runs') o.runs = int(a, v());
    else if (a === '--epochs') o.epochs = int(a, v());
    else if (a === '--default-batches') o.defaultBatches = int(a, v());
    else if (a === '--no-default-net') o.defaultNet = false;
    else if (a === '--epoch-rows') o.epochRows = int(a, v());
    else if (a === '--batches') o.batches = int(a, v());
    else if (a === '--ref-runs') o.refRuns = int(a, v());
    else if (a === '--ref-batches') o.refBatches = int(a, v());
    else if (a === '--batch-sizes') o.batchSizes = (v() ?? '').split(',').map((s) => int(a, s));
    else if (a === '--cnn-batches') o.cnnBatches = int(a, v());
    else if (a === '--cnn-runs') o.cnnRuns = int(a, v());
    else if (a === '--no-single-thread') o.singleThreadVariants = false;
    else if (a === '--out') o.out = v() ?? null;
    else if (a === '--no-out') o.out = null;
    else throw new Error(`unknown option '${a}'\n${HELP}`);
  }
  return o;
}

if (require.main === module && process.argv[2] === '--markdown') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  console.log(markdownReport(JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8')) as BenchResult));
} else if (require.main === module) {
  let opts: BenchOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  runBench(opts).then(
    (r) => {
      const bad = r.mlp?.summary.filter((s) => !s.lossOk) ?? [];
      if (bad.length) {
        console.error(`\nFAILED: training loss not sane for ${bad.map((s) => `${s.impl}@${s.batchSize} (${s.loss.toFixed(3)})`).join(', ')}`);
        process.exit(1);
      }
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
