// GEMM microbenchmark: every (shape, form, backend) is first checked against the reference kernel,
// then timed; the result is the median GFLOP/s of several samples. Also times NumPy (float32 matmul,
// through python3) on the same shapes for comparison. Used while developing the wasm backend and by
// the overall bench runner (benchGemm, benchNumpyGemm).
//
// Dimension letters: M rows of the result, K contracted, N columns. Forms: gemm = A·B with A (M,K);
// gemmTN = Aᵀ·B with A stored (K,M); gemmNT = A·Bᵀ with B stored (N,K).
// GFLOP/s are nominal: 2·M·N·K / time, also for zero-skipping kernels that do fewer operations,
// so the numbers compare time to do the same product.
//
//   node dist/bench/gemm.js [--numpy] [--quick] [--cnn]   (--cnn: the study CNN's products, one thread and two)

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { spawnSync } from 'child_process';
import type { Backend } from '../lib/backend/backend';
import { referenceBackend } from '../lib/backend/reference';
import { Rng } from '../lib/rng';
import { formatTable, median } from '../lib/util/format';

export type GemmForm = 'gemm' | 'gemmTN' | 'gemmNT';

export interface GemmShape {
  M: number;
  K: number;
  N: number;
  form: GemmForm;
  /** Fraction of A's entries that are nonzero (1 = dense; MNIST pixels ≈ 0.19, Fashion-MNIST ≈ 0.5). */
  density?: number;
  /** Where the shape comes from, e.g. 'layer 1 forward'. */
  label?: string;
}

export interface GemmRow {
  shape: string;
  form: GemmForm;
  density: number;
  label: string;
  backend: string;
  /** Median nominal GFLOP/s over the samples. */
  gflops: number;
  /** Median milliseconds per call. */
  ms: number;
  /** Largest |result − reference| relative to the bound used by the tests (≤ 1 passes). */
  error: number;
}

/** The MLP 784-128-64-10 at batch 64: forward, weight gradients (TN), input gradients (NT). */
export function mlpShapes(density = 0.19): GemmShape[] {
  return [
    { M: 64, K: 784, N: 128, form: 'gemm', density, label: 'layer 1 forward x·W1' },
    { M: 64, K: 128, N: 64, form: 'gemm', density: 0.5, label: 'layer 2 forward' },
    { M: 64, K: 64, N: 10, form: 'gemm', density: 0.5, label: 'layer 3 forward' },
    { M: 784, K: 64, N: 128, form: 'gemmTN', density, label: 'layer 1 dW1 = xᵀ·dz1' },
    { M: 128, K: 64, N: 64, form: 'gemmTN', density: 0.5, label: 'layer 2 dW2' },
    { M: 64, K: 64, N: 10, form: 'gemmTN', density: 0.5, label: 'layer 3 dW3' },
    { M: 64, K: 64, N: 128, form: 'gemmNT', label: 'layer 2 dx = dz2·W2ᵀ' },
    { M: 64, K: 10, N: 64, form: 'gemmNT', label: 'layer 3 dx' },
    { M: 64, K: 128, N: 784, form: 'gemmNT', label: 'layer 1 dx (unused in training)' },
  ];
}

/**
 * The FNN/CNN study's PyTorch-variant CNN at batch 128 (docs/cnn.md): each convolution's forward X·W (M =
 * 128 images × output pixels, K = the 3×3 window × input channels), weight gradient Xᵀ·dz and input
 * gradient dz·Wᵀ (conv 1 has none: it is the first layer), and the dense layer 3136 → 128.
 */
export function cnnShapes(): GemmShape[] {
  return [
    { M: 100352, K: 9, N: 32, form: 'gemm', density: 0.19, label: 'conv 1 forward (MNIST windows)' },
    { M: 9, K: 100352, N: 32, form: 'gemmTN', density: 0.19, label: 'conv 1 dW' },
    { M: 25088, K: 288, N: 64, form: 'gemm', label: 'conv 2 forward' },
    { M: 288, K: 25088, N: 64, form: 'gemmTN', label: 'conv 2 dW' },
    { M: 25088, K: 64, N: 288, form: 'gemmNT', label: 'conv 2 dX' },
    { M: 128, K: 3136, N: 128, form: 'gemm', label: 'dense forward' },
    { M: 3136, K: 128, N: 128, form: 'gemmTN', label: 'dense dW' },
    { M: 128, K: 128, N: 3136, form: 'gemmNT', label: 'dense dx' },
  ];
}

export function squareShapes(): GemmShape[] {
  const out: GemmShape[] = [];
  for (const n of [256, 512]) for (const form of ['gemm', 'gemmTN', 'gemmNT'] as GemmForm[]) out.push({ M: n, K: n, N: n, form, label: `${n}³` });
  return out;
}

/** Sizes of a and b for a form: gemm a (M,K) b (K,N); TN a (K,M) b (K,N); NT a (M,K) b (N,K). */
function fillInputs(be: Backend, s: GemmShape, rng: Rng) {
  const a = be.alloc(s.M * s.K);
  const b = be.alloc(s.K * s.N);
  const d = s.density ?? 1;
  // Pixel-like inputs: zero with probability 1-d, else uniform in (0,1]; B signed.
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform() < d ? 1 - rng.uniform() : 0;
  for (let i = 0; i < b.length; i++) b[i] = rng.uniform() * 2 - 1;
  return { a, b, out: be.alloc(s.M * s.N) };
}

function call(be: Backend, s: GemmShape, out: Float32Array, a: Float32Array, b: Float32Array): void {
  be[s.form](out, a, b, s.M, s.K, s.N, false);
}

/** Largest |x − y| / (1e-5·K·max|ref| + 1e-6): the tests' float32 tolerance, ≤ 1 passes. */
function relError(x: Float32Array, ref: Float32Array, K: number): number {
  let mx = 0;
  for (let i = 0; i < ref.length; i++) mx = Math.max(mx, Math.abs(ref[i]));
  const tol = 1e-5 * Math.max(K, 1) * mx + 1e-6;
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(x[i] - ref[i]) / tol);
  return e;
}


/**
 * Checks then times each shape on each backend. Throws if a backend's result differs from the
 * reference beyond the float32 tolerance (nothing is timed from a wrong kernel).
 * samples × (calls lasting ≥ minMs each) per row; the median is reported.
 */
export function benchGemm(backends: Backend[], shapes: GemmShape[] = [...mlpShapes(), ...squareShapes()], opts: { samples?: number; minMs?: number; seed?: number } = {}): GemmRow[] {
  const samples = opts.samples ?? 7;
  const minMs = opts.minMs ?? 20;
  const rows: GemmRow[] = [];
  for (const s of shapes) {
    const rng = new Rng(opts.seed ?? 42);
    const ref = fillInputs(referenceBackend, s, rng);
    call(referenceBackend, s, ref.out, ref.a, ref.b);
    // Check every backend, then calibrate its calls per sample.
    const cases = backends.map((be) => {
      const buf = fillInputs(be, s, new Rng(opts.seed ?? 42));
      call(be, s, buf.out, buf.a, buf.b);
      const error = relError(buf.out, ref.out, s.K);
      if (!(error <= 1)) throw new Error(`benchGemm: ${be.name} ${s.form} ${s.M}x${s.K}x${s.N} differs from the reference (error ${error.toFixed(2)} > 1)`);
      let reps = 1;
      for (;;) {
        const t0 = process.hrtime.bigint();
        for (let r = 0; r < reps; r++) call(be, s, buf.out, buf.a, buf.b);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (ms >= minMs / 4 || reps > 1e6) {
          reps = Math.max(1, Math.ceil((reps * minMs) / Math.max(ms, 1e-3)));
          break;
        }
        reps *= 4;
      }
      return { be, buf, error, reps, times: [] as number[] };
    });
    // Samples interleaved across backends, so that a change in the machine's load hits all alike.
    for (let k = 0; k < samples; k++) {
      for (const c of cases) {
        const t0 = process.hrtime.bigint();
        for (let r = 0; r < c.reps; r++) call(c.be, s, c.buf.out, c.buf.a, c.buf.b);
        c.times.push(Number(process.hrtime.bigint() - t0) / 1e6 / c.reps);
      }
    }
    for (const c of cases) {
      const ms = median(c.times);
      rows.push({ shape: `${s.M}x${s.K}x${s.N}`, form: s.form, density: s.density ?? 1, label: s.label ?? '', backend: c.be.name, gflops: (2 * s.M * s.N * s.K) / (ms * 1e6), ms, error: c.error });
      if (c.be.free) for (const x of [c.buf.a, c.buf.b, c.buf.out]) c.be.free(x);
    }
  }
  return rows;
}

/**
 * The same shapes with NumPy float32 (OpenBLAS, both cores), median GFLOP/s; [] if python3 or
 * numpy is missing. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed for that process only (they
 * mis-tune OpenBLAS on this machine). Transposes are free views in NumPy (a.T @ b, a @ b.T).
 */
export function benchNumpyGemm(shapes: GemmShape[], opts: { samples?: number; minMs?: number; threads?: number } = {}): GemmRow[] {
  const script = `
import sys, json, time, numpy as np
shapes, samples, min_ms = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(42)
rows = []
for s in shapes:
    M, K, N, form, d = s['M'], s['K'], s['N'], s['form'], s.get('density', 1)
    A = rng.random((K, M) if form == 'gemmTN' else (M, K), dtype=np.float32) * (rng.random((K, M) if form == 'gemmTN' else (M, K)) < d)
    A = A.astype(np.float32)
    B = (rng.random((N, K) if form == 'gemmNT' else (K, N), dtype=np.float32) * 2 - 1).astype(np.float32)
    C = np.empty((M, N), dtype=np.float32)
    f = {'gemm': lambda: np.matmul(A, B, out=C), 'gemmTN': lambda: np.matmul(A.T, B, out=C), 'gemmNT': lambda: np.matmul(A, B.T, out=C)}[form]
    f(); reps = 1
    while True:
        t = time.perf_counter(); [f() for _ in range(reps)]; ms = (time.perf_counter() - t) * 1e3
        if ms >= min_ms / 4 or reps > 1e6: reps = max(1, int(reps * min_ms / max(ms, 1e-3)) + 1); break
        reps *= 4
    ts = []
    for _ in range(samples):
        t = time.perf_counter(); [f() for _ in range(reps)]; ts.append((time.perf_counter() - t) * 1e3 / reps)
    ms = float(np.median(ts))
    rows.append(dict(shape=f"{M}x{K}x{N}", form=form, density=d, label=s.get('label', ''), backend=sys.argv[4], gflops=2 * M * N * K / (ms * 1e6), ms=ms, error=0))
print(json.dumps(rows))
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (opts.threads) env.OPENBLAS_NUM_THREADS = String(opts.threads);
  const r = spawnSync('python3', ['-c', script, JSON.stringify(shapes), String(opts.samples ?? 7), String(opts.minMs ?? 20), opts.threads ? `numpy ${opts.threads} thread` : 'numpy'], { env, encoding: 'utf8' });
  if (r.status !== 0) return [];
  return JSON.parse(r.stdout) as GemmRow[];
}

/** Prints rows as an aligned text table. */
export function formatGemmRows(rows: GemmRow[]): string {
  const head = ['shape MxKxN', 'form', 'density', 'backend', 'GFLOP/s', 'ms', 'label'];
  const body = rows.map((r) => [r.shape, r.form, r.density.toFixed(2), r.backend, r.gflops.toFixed(2), r.ms.toFixed(4), r.label]);
  return formatTable(head, body);
}

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadWasmBackend, shutdown, wasmVariant } = require('../lib/backend/wasm') as typeof import('../lib/backend/wasm');
  const quick = process.argv.includes('--quick');
  const wasm = loadWasmBackend();
  let rows: GemmRow[];
  let shapes: GemmShape[];
  if (process.argv.includes('--decisions')) {
    // Every kernel choice on every MLP shape: 1 or 2 threads, dense or zero-skipping.
    shapes = [...mlpShapes(0.19), ...mlpShapes(0.5).slice(0, 2), ...mlpShapes(1).slice(0, 2), ...mlpShapes(0.5).slice(3, 5), ...mlpShapes(1).slice(3, 5), ...squareShapes()];
    const variants = [
      wasmVariant(wasm, 'wasm 1T dense', { threads: false, sparse: 'never' }),
      wasmVariant(wasm, 'wasm 2T dense', { threads: true, threadMinWork: 1, sparse: 'never' }),
      wasmVariant(wasm, 'wasm 1T skip0', { threads: false, sparse: 'always' }),
      wasmVariant(wasm, 'wasm 2T skip0', { threads: true, threadMinWork: 1, sparse: 'always' }),
      wasm,
    ];
    rows = benchGemm(variants, shapes, { samples: quick ? 3 : 7, minMs: quick ? 10 : 20 });
  } else if (process.argv.includes('--cnn')) {
    shapes = cnnShapes();
    const variants = [wasmVariant(wasm, 'wasm 1T', { threads: false }), wasm];
    rows = benchGemm(variants, shapes, { samples: quick ? 3 : 7, minMs: 20 });
  } else if (process.argv.includes('--threading')) {
    // One thread or two, each with the automatic dense / zero-skipping choice.
    shapes = [...mlpShapes(0.19), { M: 128, K: 128, N: 128, form: 'gemm', label: '128³' }, ...squareShapes()];
    const variants = [wasmVariant(wasm, 'wasm 1T', { threads: false }), wasmVariant(wasm, 'wasm 2T', { threads: true, threadMinWork: 1 })];
    rows = benchGemm(variants, shapes, { samples: quick ? 5 : 9, minMs: 20 });
  } else {
    shapes = [...mlpShapes(), ...mlpShapes(0.5).filter((s) => s.density === 0.5 && s.M * s.K * s.N > 1e6), ...squareShapes()];
    rows = benchGemm(quick ? [wasm] : [referenceBackend, wasm], shapes, { samples: quick ? 3 : 7 });
  }
  if (process.argv.includes('--numpy')) rows.push(...benchNumpyGemm(shapes, { threads: 1 }), ...benchNumpyGemm(shapes));
  console.log(formatGemmRows(rows));
  console.log(`split halves run by the worker: ${wasm.threadStats.worker}, taken back by the main thread: ${wasm.threadStats.stolen}`);
  shutdown();
}
