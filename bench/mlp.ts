// MLP training throughput: scratchnet's Sequential 784-128-64-10 (ReLU, softmax cross-entropy, Adam)
// trained with fit() on MNIST, and the same loop in NumPy (bench/numpy_mlp.py) driven from here
// through a long-lived python3 process, so both are timed in one session, run after run.
//
// What is timed (samples/s = samples trained / seconds):
//   scratchnet  the whole fit(x, labels, {epochs: 1, batchSize}) call: input validation, shuffle,
//               row gathers, forward, loss, backward, Adam, accuracy counting. Model construction and
//               compile are not timed.
//   numpy       the shuffle (permutation) and the batch loop (gather, forward, loss, backward, Adam).
// Both start from fresh Glorot-uniform weights each run (seed = run number), over the same rows.
// A run is one epoch, or its first `batches` batches when given (quick mode, slow backends).
//
// Checks, made before anything is timed (checkMlpAgreement): every scratchnet backend and the NumPy
// loop, started from the same weights on the same unshuffled rows, give the same per-batch losses
// for the first few batches (within float32 rounding).
//
// Dimension letters: B batch size, N training rows.

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { unlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createInterface } from 'readline';
import { getBackend, setBackend, type Backend } from '../lib/backend';
import { findPackageRoot, loadDataset } from '../lib/node/data';
import { Dense } from '../lib/layers';
import { Sequential } from '../lib/model';
import { Tensor } from '../lib/tensor';

/** The training rows: x (N, 784) in [0, 1], labels (N) 0..9. */
export interface MlpData {
  x: Tensor;
  labels: Uint8Array;
}

/** One timed run. */
export interface MlpRun {
  impl: string;
  batchSize: number;
  samples: number;
  batches: number;
  seconds: number;
  samplesPerSec: number;
  /**
   * Seconds of the batch loop alone: scratchnet's History.seconds (fit minus its input checks and
   * shuffle); numpy_mlp.py's loop is all it times, so there it equals `seconds`.
   */
  loopSeconds: number;
  /** Mean training loss over the run's batches (weighted by batch size). */
  loss: number;
}

/** The first `rows` MNIST training images (default 54,000: the usual 60k minus a 6k validation tail). */
export function loadMlpData(rows = 54000): MlpData {
  const ds = loadDataset('mnist', { limit: { train: rows, test: 0 } });
  if (ds.numTrain !== rows) throw new Error(`loadMlpData: got ${ds.numTrain} rows, expected ${rows}`);
  return { x: new Tensor(ds.trainImages, [rows, 784]), labels: ds.trainLabels };
}

/** Which network the MLP benchmark trains: ReLU hidden layers, 10 outputs, Adam with coupled L2 decay. */
export interface MlpSpec {
  name: string;
  hidden: number[];
  learningRate: number;
  weightDecay: number;
}
/** The assignment's MLP 784-128-64-10 (issue 6's benchmark). */
export const SMALL_MLP: MlpSpec = { name: '784-128-64-10', hidden: [128, 64], learningRate: 1e-3, weightDecay: 0 };
/** The `train` command's default network: 3x512, Adam lr 5e-4, weight decay 1e-4 (DEFAULT_CONFIG). */
export const TRAIN_DEFAULT_MLP: MlpSpec = { name: '784-512-512-512-10 (train default)', hidden: [512, 512, 512], learningRate: 5e-4, weightDecay: 1e-4 };

/** A compiled model of the spec on the named backend (the global backend choice is restored). */
export function buildMlp(backend: string, seed: number, spec: MlpSpec = SMALL_MLP): Sequential {
  const previous = getBackend().name;
  setBackend(backend);
  try {
    const layers = [...spec.hidden.map((units) => new Dense({ units, activation: 'relu' })), new Dense({ units: 10 })];
    const model = new Sequential(layers, { inputShape: [784], seed });
    return model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: spec.learningRate, weight_decay: spec.weightDecay }, loss: 'softmax_cross_entropy' });
  } finally {
    setBackend(previous);
  }
}

/** Stops fit after `batches` batches (undefined: the whole epoch), recording every batch loss. */
function limitBatches(model: Sequential, batches: number | undefined, losses: number[]) {
  return {
    onBatchEnd(b: number, logs: { loss: number }) {
      losses.push(logs.loss);
      if (batches !== undefined && b + 1 >= batches) model.stopTraining = true;
    },
  };
}

/** Times one fit() of a fresh model (seed) on `backend`: one epoch, or its first `batches` batches. */
export function trainScratchnet(backend: string, data: MlpData, batchSize: number, opts: { batches?: number; seed?: number; spec?: MlpSpec } = {}): MlpRun {
  const model = buildMlp(backend, opts.seed ?? 1, opts.spec);
  const losses: number[] = [];
  const t0 = process.hrtime.bigint();
  const h = model.fit(data.x, data.labels, { epochs: 1, batchSize, callbacks: limitBatches(model, opts.batches, losses) });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const samples = Math.min(losses.length * batchSize, data.x.rows);
  model.dispose();
  return { impl: backend, batchSize, samples, batches: losses.length, seconds, samplesPerSec: samples / seconds, loopSeconds: h.history.seconds[0], loss: h.history.loss[0] };
}

/** Per-batch losses of a fresh model (seed) on unshuffled rows, and its initial weights. */
export function scratchnetBatchLosses(backend: string, data: MlpData, batchSize: number, batches: number, seed = 1, spec: MlpSpec = SMALL_MLP): { losses: number[]; init: Float32Array } {
  const model = buildMlp(backend, seed, spec);
  const init = initialWeights(model);
  const losses: number[] = [];
  model.fit(data.x, data.labels, { epochs: 1, batchSize, shuffle: false, callbacks: limitBatches(model, batches, losses) });
  return { losses, init };
}

/** The model's weights as numpy_mlp.py reads them: W1, b1, W2, b2, W3, b3, each row-major. */
export function initialWeights(model: Sequential): Float32Array {
  const parts = model.layers.flatMap((l) => l.params.map((p) => p.value));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The environment for a NumPy process: without the OpenBLAS overrides that mis-tune it here. */
export function numpyEnv(threads?: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== undefined) env.OPENBLAS_NUM_THREADS = String(threads);
  return env;
}

/** Path of a script in bench/ (the sources, also when running from dist/bench). */
export function benchScript(name: string): string {
  return join(findPackageRoot(__dirname), 'bench', name);
}

/** What numpy_mlp.py reports about its BLAS (see blas_info() there). */
export interface BlasInfo {
  numpy?: string;
  blas?: string;
  corename?: string;
  config?: string;
  threads?: number;
  env?: Record<string, string>;
}

/**
 * A python3 bench/numpy_mlp.py --serve process holding the MNIST rows in memory: each request is one
 * JSON line in, one JSON line out, so NumPy runs can alternate with scratchnet runs without paying
 * the data load each time. The process sleeps on stdin while scratchnet is timed.
 */
export class NumpyMlp {
  readonly name: string;
  blas: BlasInfo = {};
  private proc: ChildProcessWithoutNullStreams | null = null;
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';

  /** threads: OPENBLAS_NUM_THREADS for this process (default: OpenBLAS's own choice, all cores). */
  constructor(
    private readonly rows = 54000,
    readonly threads?: number,
    readonly spec: MlpSpec = SMALL_MLP,
  ) {
    this.name = threads === undefined ? 'numpy' : `numpy-${threads}t`;
  }

  /** Starts the process and waits until it has loaded the data. Rejects if python3 or numpy is missing. */
  async start(): Promise<this> {
    const python = process.env.PYTHON ?? 'python3';
    const specArgs = ['--sizes', [784, ...this.spec.hidden, 10].join(','), '--lr', String(this.spec.learningRate), '--weight-decay', String(this.spec.weightDecay)];
    const proc = spawn(python, [benchScript('numpy_mlp.py'), '--serve', '--train-rows', String(this.rows), ...specArgs], { env: numpyEnv(this.threads) });
    this.proc = proc;
    proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => this.waiting.shift()?.(line));
    const failed = new Promise<never>((_, reject) => {
      proc.on('error', (e) => reject(new Error(`${python}: ${e.message}`)));
      proc.on('exit', (code) => {
        for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `numpy_mlp.py exited (${code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` }));
        reject(new Error(`numpy_mlp.py exited (${code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
    failed.catch(() => undefined); // reported through the requests
    const ready = await Promise.race([this.next(), failed]);
    this.blas = (ready as { blas: BlasInfo }).blas;
    return this;
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push((line) => resolve(JSON.parse(line) as Record<string, unknown>)));
  }

  private async request(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (!this.proc) throw new Error('NumpyMlp: start() first');
    const answer = this.next();
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const out = await answer;
    if (typeof out.error === 'string') throw new Error(`numpy_mlp.py: ${out.error}`);
    return out;
  }

  /** One timed run of the NumPy loop from fresh weights (seed): an epoch or its first `batches`. */
  async train(batchSize: number, opts: { batches?: number; seed?: number } = {}): Promise<MlpRun> {
    const r = await this.request({ cmd: 'train', batch_size: batchSize, seed: opts.seed ?? 1, batches: opts.batches ?? null });
    return { impl: this.name, batchSize, samples: r.samples as number, batches: r.batches as number, seconds: r.seconds as number, loopSeconds: r.seconds as number, samplesPerSec: r.samples_per_sec as number, loss: r.loss as number };
  }

  /** One run with a clock around each phase of the loop (see numpy_mlp.py train(phases=...)). */
  async phases(batchSize: number, opts: { batches?: number; seed?: number } = {}): Promise<MlpPhases> {
    const r = await this.request({ cmd: 'phases', batch_size: batchSize, seed: opts.seed ?? 1, batches: opts.batches ?? null });
    const p = r.phases as Record<string, number>;
    const inLoop = p.gather + p.forward + p.loss + p.backward + p.optimizer;
    return { impl: this.name, batchSize, batches: r.batches as number, total: r.seconds as number, gather: p.gather, forward: p.forward, loss: p.loss, backward: p.backward, optimizer: p.optimizer, other: (r.seconds as number) - inLoop, meanLoss: r.loss as number };
  }

  /** Per-batch losses from the given initial weights on unshuffled rows (see numpy_mlp.py --check). */
  async batchLosses(init: Float32Array, batchSize: number, batches: number): Promise<number[]> {
    const file = join(tmpdir(), `scratchnet-bench-init-${process.pid}.bin`);
    writeFileSync(file, Buffer.from(init.buffer, init.byteOffset, init.byteLength)); // little-endian f32
    try {
      return (await this.request({ cmd: 'check', init: file, batch_size: batchSize, batches })).losses as number[];
    } finally {
      unlinkSync(file);
    }
  }

  close(): void {
    if (!this.proc) return;
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.proc = null;
  }
}

/** One implementation's per-batch losses in the agreement check. */
export interface AgreementRow {
  impl: string;
  losses: number[];
  /** Largest |loss − reference loss| / max(1, |reference loss|) over the batches. */
  maxRelDiff: number;
}

/**
 * Trains every scratchnet backend (and the NumPy loop, when given) from the same initial weights on
 * the same unshuffled rows for `batches` batches and compares each batch loss with the reference
 * backend's. Throws if any differs by more than `tol` (relative), or if a loss is not finite.
 */
export async function checkMlpAgreement(backends: string[], numpy: NumpyMlp | null, data: MlpData, opts: { batchSize?: number; batches?: number; tol?: number } = {}): Promise<AgreementRow[]> {
  const B = opts.batchSize ?? 64;
  const n = opts.batches ?? 5;
  const tol = opts.tol ?? 2e-3;
  const ref = scratchnetBatchLosses('reference', data, B, n);
  const rows: AgreementRow[] = [];
  const compare = (impl: string, losses: number[]): AgreementRow => {
    if (losses.length !== n || !losses.every(Number.isFinite)) throw new Error(`MLP check: ${impl} gave losses [${losses.join(', ')}] for ${n} batches`);
    const maxRelDiff = Math.max(...losses.map((l, i) => Math.abs(l - ref.losses[i]) / Math.max(1, Math.abs(ref.losses[i]))));
    if (!(maxRelDiff <= tol)) throw new Error(`MLP check: ${impl}'s batch losses [${losses.map((l) => l.toFixed(5)).join(', ')}] differ from the reference backend's [${ref.losses.map((l) => l.toFixed(5)).join(', ')}] by ${maxRelDiff.toExponential(2)} > ${tol}`);
    return { impl, losses, maxRelDiff };
  };
  rows.push(compare('reference', ref.losses));
  for (const be of backends) if (be !== 'reference') rows.push(compare(be, scratchnetBatchLosses(be, data, B, n).losses));
  if (numpy) rows.push(compare(numpy.name, await numpy.batchLosses(ref.init, B, n)));
  return rows;
}

/** Where one run's wall time went, in seconds: the training step's phases and the rest of fit. */
export interface MlpPhases {
  impl: string;
  batchSize: number;
  batches: number;
  /** The whole run (fit's wall time, or numpy's shuffle + loop). */
  total: number;
  /** Row gathers into the batch buffers (numpy: np.take and the label gather). */
  gather?: number;
  forward: number;
  /** Loss value and its gradient dL/dlogits. */
  loss: number;
  backward: number;
  /** The gradient's L2 norm, which fit logs per batch (scratchnet only). */
  gradNorm?: number;
  /** grads.fill(0) + optimizer.step (Adam). */
  optimizer: number;
  /** total minus the phases: fit's input checks, shuffle, gathers, accuracy counting, callbacks. */
  other: number;
  /** Mean training loss, to compare with an uninstrumented run of the same seed. */
  meanLoss: number;
}

/**
 * One fit of a fresh model (seed) whose training step is the same sequence as Sequential.trainOnBatch
 * for this model (zero grads, forward, loss, backward, gradient norm, Adam; the backend's optimizer
 * kernels where it has them, as trainOnBatch) with a clock around each phase. Its losses equal an
 * uninstrumented fit's with the same seed (checked by test/bench), so it runs the same computation.
 */
export function scratchnetPhases(backend: string, data: MlpData, batchSize: number, opts: { batches?: number; seed?: number } = {}): MlpPhases {
  const model = buildMlp(backend, opts.seed ?? 1);
  const be = backendOf(backend);
  const C = 10;
  const dOutBuf = be.alloc(batchSize * C);
  const t = { forward: 0, loss: 0, backward: 0, gradNorm: 0, optimizer: 0 };
  const now = () => Number(process.hrtime.bigint()) / 1e9;
  const opt = model.optimizer!;
  const lossFn = model.loss!;
  const trainStep = (x: Tensor, y: Tensor, m: Sequential) => {
    const B = x.rows;
    let t0 = now();
    be.stepKernels.zero(m.grads);
    let t1 = now();
    t.optimizer += t1 - t0;
    const out = m.forward(x, { training: true });
    t0 = now();
    t.forward += t0 - t1;
    const dOut = new Tensor(dOutBuf.subarray(0, B * C), [B, C]);
    const value = lossFn.compute(dOut.data, out.data, y.data, B, C);
    t1 = now();
    t.loss += t1 - t0;
    m.backward(dOut);
    t0 = now();
    t.backward += t0 - t1;
    const gradNorm = Math.sqrt(be.stepKernels.sumSquares(m.grads));
    t1 = now();
    t.gradNorm += t1 - t0;
    opt.step(m.params, m.grads, m.decay);
    t.optimizer += now() - t1;
    return { loss: value, size: B, gradNorm };
  };
  const losses: number[] = [];
  const t0 = process.hrtime.bigint();
  const h = model.fit(data.x, data.labels, { epochs: 1, batchSize, trainStep, callbacks: limitBatches(model, opts.batches, losses) });
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  be.free?.(dOutBuf);
  const inSteps = t.forward + t.loss + t.backward + t.gradNorm + t.optimizer;
  return { impl: backend, batchSize, batches: losses.length, total, ...t, other: total - inSteps, meanLoss: h.history.loss[0] };
}

function backendOf(name: string): Backend {
  const previous = getBackend().name;
  const be = setBackend(name);
  setBackend(previous);
  return be;
}


/** Self time per function from a V8 CPU profile (node:inspector's Profiler.stop result), largest first. */
export function topFunctions(profile: { nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[] }, count = 15): { fn: string; share: number }[] {
  const total = profile.samples?.length ?? profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([fn, hits]) => ({ fn, share: hits / Math.max(total, 1) }));
}

/**
 * `node dist/bench/mlp.js [--backend wasm] [--batch-size 64] [--batches N] [--profile]`: one timed
 * fit on MNIST (after a short warm-up), and with --profile the functions the main thread spent its
 * time in (node:inspector's sampling profiler; a wasm helper thread's share shows as waiting).
 */
async function main(argv: string[]): Promise<void> {
  const arg = (flag: string, def?: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : def;
  };
  const backend = arg('--backend', getBackend().name)!;
  const B = Number(arg('--batch-size', '64'));
  const batches = arg('--batches') === undefined ? undefined : Number(arg('--batches'));
  const data = loadMlpData();
  trainScratchnet(backend, data, B, { batches: 30, seed: 0 }); // warm-up
  let run: MlpRun;
  if (argv.includes('--profile')) {
    const { Session } = await import('inspector');
    const session = new Session();
    session.connect();
    const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    run = trainScratchnet(backend, data, B, { batches, seed: 1 });
    const { profile } = (await post('Profiler.stop')) as { profile: Parameters<typeof topFunctions>[0] };
    session.disconnect();
    console.log(JSON.stringify(run));
    console.log('main-thread self time (sampling profile):');
    for (const t of topFunctions(profile)) console.log(`${(100 * t.share).toFixed(1).padStart(6)}%  ${t.fn}`);
  } else {
    run = trainScratchnet(backend, data, B, { batches, seed: 1 });
    console.log(JSON.stringify(run));
  }
  (backendOf(backend) as { shutdown?(): void }).shutdown?.();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
