// The benchmark suite's code paths on tiny sizes: rows are well-formed, the NumPy reference loop
// computes the same losses as scratchnet from the same weights, the runner's tables hold together.
// No timing is asserted here: speed is measured by `npm run bench`, correctness by these tests.

import { spawnSync } from 'child_process';
import { availableBackends, defaultOptions, formatTable, gemmTable, markdownReport, numpyGemm, parseArgs, runBench, summariseMlp } from '../../bench/run';
import { checkMlpAgreement, initialWeights, buildMlp, loadMlpData, NumpyMlp, scratchnetBatchLosses, scratchnetPhases, trainScratchnet, type MlpData } from '../../bench/mlp';
import type { GemmShape } from '../../bench/gemm';
import { benchGather } from '../../bench/gather';

const hasNumpy = spawnSync(process.env.PYTHON ?? 'python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const withNumpy = hasNumpy ? test : test.skip;
const { ok: backends } = availableBackends();
const names = [...backends.keys()];
const ROWS = 640;
let data: MlpData;

beforeAll(() => {
  data = loadMlpData(ROWS);
});
afterAll(() => {
  for (const be of backends.values()) (be as { shutdown?(): void }).shutdown?.();
});

const tiny: GemmShape[] = [
  { M: 8, K: 16, N: 4, form: 'gemm', label: 'tiny' },
  { M: 8, K: 16, N: 4, form: 'gemmTN', label: 'tiny' },
  { M: 8, K: 16, N: 4, form: 'gemmNT', label: 'tiny' },
];

test.each(names)('trainScratchnet on %s: a well-formed run of the requested batches', (be) => {
  const r = trainScratchnet(be, data, 32, { batches: 3, seed: 1 });
  expect(r).toMatchObject({ impl: be, batchSize: 32, samples: 96, batches: 3 });
  expect(r.seconds).toBeGreaterThan(0);
  expect(r.samplesPerSec).toBeCloseTo(96 / r.seconds, 6);
  expect(Number.isFinite(r.loss) && r.loss > 0 && r.loss < 3).toBe(true);
});

test.each(names)('scratchnetPhases on %s: the instrumented step trains exactly as fit does, and the phases add up', (be) => {
  const plain = trainScratchnet(be, data, 32, { batches: 4, seed: 5 });
  const p = scratchnetPhases(be, data, 32, { batches: 4, seed: 5 });
  expect(p.batches).toBe(4);
  expect(p.meanLoss).toBe(plain.loss); // same sequence of operations: bit-identical losses
  // Every phase ran (a positive duration) and is a part of the total.
  for (const k of ['forward', 'loss', 'backward', 'gradNorm', 'optimizer'] as const) expect([k, (p[k] ?? 0) > 0 && (p[k] ?? 0) < p.total]).toEqual([k, true]);
  expect(p.forward + p.loss + p.backward + (p.gradNorm ?? 0) + p.optimizer + p.other).toBeCloseTo(p.total, 9);
});

test('a full epoch over few rows counts the partial last batch', () => {
  const r = trainScratchnet('reference', { x: data.x.sliceRows(0, 100), labels: data.labels.subarray(0, 100) }, 32);
  expect(r).toMatchObject({ samples: 100, batches: 4 });
});

test('initialWeights lays out W1, b1, W2, b2, W3, b3 (the order numpy_mlp.py reads)', () => {
  const m = buildMlp('reference', 3);
  const w = initialWeights(m);
  expect(w.length).toBe(784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
  const dense0 = m.layers[0].params;
  expect(w.subarray(0, 784 * 128)).toEqual(dense0[0].value);
  expect(Array.from(w.subarray(784 * 128, 784 * 128 + 128)).every((v) => v === 0)).toBe(true); // zero biases
});

withNumpy('numpy_mlp.py and every scratchnet backend give the same batch losses from the same weights', async () => {
  const np = await new NumpyMlp(ROWS).start();
  try {
    expect(np.blas.numpy).toBeDefined();
    const rows = await checkMlpAgreement(names, np, data, { batchSize: 32, batches: 4 });
    expect(rows.map((r) => r.impl)).toEqual([...names, 'numpy']);
    for (const r of rows) {
      expect(r.losses).toHaveLength(4);
      expect(r.maxRelDiff).toBeLessThanOrEqual(2e-3);
    }
    // The loss falls over the first batches (the loop learns; 2.30 is chance for 10 classes).
    expect(rows[0].losses[0]).toBeGreaterThan(1.9);
    // ...and numpy's timed runs are well-formed too.
    const run = await np.train(32, { batches: 3, seed: 2 });
    expect(run).toMatchObject({ impl: 'numpy', batchSize: 32, samples: 96, batches: 3 });
    expect(run.samplesPerSec).toBeGreaterThan(0);
    const ph = await np.phases(32, { batches: 3, seed: 2 });
    expect(ph.meanLoss).toBe(run.loss);
    // The timed phases and the rest partition the total: every part positive, none larger than the whole.
    for (const v of [ph.gather!, ph.forward, ph.loss, ph.backward, ph.optimizer, ph.other]) expect(v > 0 && v < ph.total).toBe(true);
    expect(ph.gather! + ph.forward + ph.loss + ph.backward + ph.optimizer + ph.other).toBeCloseTo(ph.total, 6);
  } finally {
    np.close();
  }
});

withNumpy('the agreement check fails when the NumPy side computes something else', async () => {
  const np = await new NumpyMlp(ROWS).start();
  try {
    // Another batch size on the numpy side only: different rows per batch → different losses.
    const wrong = { name: 'numpy', batchLosses: (init: Float32Array, B: number, n: number) => np.batchLosses(init, B * 2, n) } as unknown as NumpyMlp;
    await expect(checkMlpAgreement(['reference'], wrong, data, { batchSize: 32, batches: 3 })).rejects.toThrow(/differ from the reference/);
  } finally {
    np.close();
  }
});

withNumpy('numpy_mlp.py --sizes/--lr/--weight-decay trains what scratchnet trains: a deeper net with weight decay, same losses from the same weights', async () => {
  const spec = { name: 'test', hidden: [24, 16, 12], learningRate: 0.01, weightDecay: 0.3 };
  const np = await new NumpyMlp(ROWS, 1, spec).start();
  try {
    const { losses, init } = scratchnetBatchLosses('reference', data, 32, 6, 3, spec);
    const theirs = await np.batchLosses(init, 32, 6);
    theirs.forEach((l, i) => expect(Math.abs(l - losses[i])).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(losses[i]))));
    // The decay is really applied on both sides: without it scratchnet's later losses differ.
    const plain = scratchnetBatchLosses('reference', data, 32, 6, 3, { ...spec, weightDecay: 0 }).losses;
    expect(Math.abs(plain[5] - losses[5])).toBeGreaterThan(1e-3);
  } finally {
    np.close();
  }
});

withNumpy('numpy_gemm.py: one checked row per shape, with its BLAS named', () => {
  const r = numpyGemm(tiny, 1, 1, 1);
  expect(r.blas.numpy).toBeDefined();
  expect(r.rows).toHaveLength(3);
  for (const row of r.rows) {
    expect(row).toMatchObject({ shape: '8x16x4', backend: 'numpy-1t' });
    expect(row.gflops).toBeGreaterThan(0);
    expect(row.error).toBeLessThanOrEqual(1);
  }
});

test('gemmTable puts implementations side by side and divides by the faster NumPy', () => {
  const row = (backend: string, gflops: number) => ({ shape: '2x2x2', form: 'gemm' as const, density: 1, label: '', backend, gflops, ms: 1, error: 0 });
  const t = gemmTable([row('wasm', 30), row('numpy', 100), row('numpy-1t', 60)], ['wasm']);
  expect(t).toHaveLength(1);
  expect(t[0].numpyBest).toBe(100);
  expect(t[0].vsNumpy.wasm).toBeCloseTo(0.3);
});

test('summariseMlp: medians per implementation and batch size, with the loss check', () => {
  const run = (impl: string, sps: number, loss: number) => ({ impl, batchSize: 64, samples: 54000, batches: 844, seconds: 54000 / sps, samplesPerSec: sps, loopSeconds: 54000 / sps, loss });
  const s = summariseMlp([run('wasm', 1, 0.3), run('wasm', 3, 0.31), run('wasm', 2, 0.29), run('numpy', 5, 2.0)]);
  expect(s.find((r) => r.impl === 'wasm')).toMatchObject({ runs: 3, samplesPerSec: 2, loss: 0.3, lossOk: true });
  expect(s.find((r) => r.impl === 'numpy')).toMatchObject({ runs: 1, lossOk: false }); // 2.0 after an epoch is not learning
});

test('formatTable aligns columns', () => {
  const t = formatTable(['a', 'bb'], [['x', '1.5'], ['long', '10.25']]).split('\n');
  expect(t).toHaveLength(4);
  expect(t[2]).toBe('x       1.5');
  expect(t[3]).toBe('long  10.25');
});

test('parseArgs: quick defaults, flags, and errors that name the bad value', () => {
  const q = parseArgs(['--quick', '--batch-sizes', '64', '--only', 'mlp', '--no-out']);
  expect(q).toMatchObject({ quick: true, batches: 20, batchSizes: [64], parts: { gemm: false, mlp: true, load: false, epochs: false }, out: null });
  expect(defaultOptions().batches).toBeUndefined();
  expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs expects a positive integer, got '0'/);
  expect(() => parseArgs(['--only', 'gpu'])).toThrow(/unknown part 'gpu'/);
  expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
});

test('runBench end to end on tiny settings: every part produces well-formed rows', async () => {
  const lines: string[] = [];
  const o = {
    ...defaultOptions(true),
    rows: ROWS,
    runs: 1,
    batches: 2,
    refRuns: 1,
    refBatches: 2,
    batchSizes: [32],
    gemmShapes: tiny,
    gemmSamples: 1,
    gemmMinMs: 1,
    loadRuns: 1,
    epochs: 2,
    epochRows: 200,
    defaultBatches: 2,
    cnnBatches: 1,
    cnnRuns: 1,
    out: null,
    log: (l: string) => lines.push(l),
  };
  const r = await runBench(o);
  expect(r.fnnCnn!.rows.map((x) => x.model)).toEqual(['fnn', 'cnn']);
  for (const x of r.fnnCnn!.rows) expect(x.scratchnetMedian).toBeGreaterThan(0);
  // PyTorch is optional (never a CI dependency): timed when installed, otherwise the reason is given.
  expect(r.fnnCnn!.torchSkipped === undefined ? r.fnnCnn!.rows.every((x) => x.ratio! > 0) : /torch|python3/.test(r.fnnCnn!.torchSkipped)).toBe(true);
  expect(r.backends).toEqual(names);
  const impls = new Set(r.mlp!.summary.map((s) => s.impl));
  for (const be of names) expect(impls.has(be)).toBe(true);
  if (hasNumpy) {
    expect(impls.has('numpy')).toBe(true);
    expect(impls.has('numpy-1t')).toBe(true);
    expect(r.checks.mlpAgreement!.map((a) => a.impl)).toContain('numpy');
  }
  for (const s of r.mlp!.summary) {
    expect(s).toMatchObject({ batchSize: 32, runs: 1, batchesPerRun: 2, samplesPerRun: 64, lossOk: true });
    expect(s.samplesPerSec).toBeGreaterThan(0);
  }
  expect(r.gemm!.table).toHaveLength(3);
  for (const t of r.gemm!.table) for (const be of names) expect(t.gflops[be]).toBeGreaterThan(0);
  expect(r.mlp!.phases!.map((p) => p.impl)).toEqual([...names, ...(hasNumpy ? ['numpy', 'numpy-1t'] : [])]);
  expect(r.loadData!.medianMs).toBeGreaterThan(0);
  expect(r.lanes!.rows.map((x) => x.kernel)).toEqual(['dropoutForward', 'dropoutBackward', 'batchNormNormalize', 'batchNormBackward']);
  for (const x of r.lanes!.rows) expect(x.standalone > 0 && x.afterStats > 0).toBe(true);
  expect(r.lanes!.cpu).toBe(r.machine.cpu);
  expect(r.targets.length).toBeGreaterThan(0);
  for (const t of r.targets) expect(typeof t.met).toBe('boolean');
  expect(lines.join('\n')).toMatch(/MLP 784-128-64-10 training/);
  expect(lines.join('\n')).toMatch(/^targets .* on \S/m);
  expect(r.mlpDefault!.summary.map((x) => x.impl)).toEqual(hasNumpy ? ['wasm', 'numpy', 'numpy-1t'] : ['wasm']);
  for (const x of r.mlpDefault!.summary) expect(x).toMatchObject({ batchSize: 32, batchesPerRun: 2, samplesPerRun: 64 });
  if (hasNumpy) expect(r.targets.map((t) => t.target)).toContain('train default 3x512 batch 32: wasm / numpy best');
  expect(r.epochs).toMatchObject({ trainRows: 180, subnormalParams: [0, 0], subnormalSlots: [0, 0] });
  expect(r.epochs!.seconds).toHaveLength(2);
  // CPU seconds per epoch, and per epoch each layer's nonzero input fraction on the probe rows: the
  // data's own (layer 1) does not change with training; the others are ReLU outputs, partly zero.
  expect(r.epochs!.cpuSeconds).toHaveLength(2);
  for (const c of r.epochs!.cpuSeconds) expect(c).toBeGreaterThan(0);
  expect(r.epochs!.nonzeroInputs).toHaveLength(2);
  for (const f of r.epochs!.nonzeroInputs) {
    expect(f).toHaveLength(4);
    for (const x of f) expect(x > 0 && x < 1).toBe(true);
  }
  expect(r.epochs!.nonzeroInputs[1][0]).toBe(r.epochs!.nonzeroInputs[0][0]);
  expect(r.epochs!.lastOverFirst).toBe(r.epochs!.seconds[1] / r.epochs!.seconds[0]);
  const epochTarget = r.targets.find((t) => /last \/ first/.test(t.target))!;
  expect(epochTarget).toMatchObject({ goal: 1.15, atMost: true, met: r.epochs!.lastOverFirst <= 1.15 });
  // The README's tables come from the same result.
  const md = markdownReport(r);
  expect(md).toMatch(/^\| batch \| /m);
  expect(md).toMatch(/^\| 32 \| [0-9,]+ \|/m);
  expect(md).toMatch(/\*\*GEMM\*\*/);
  expect(md).toMatch(/\*\*Where the time goes\*\*/);
  expect(md).toMatch(/\*\*Epoch after epoch\*\*.*\n\n\| epoch \| 1 \| 2 \|/);
  expect(md).toContain(r.machine.cpu);
}, 120000);

test('benchGather: both gathers get the same first batch (checked inside), then one row of µs per batch size', () => {
  const rows = benchGather({ rows: 300, batchSizes: [32, 7], rounds: 2, batches: 3 });
  expect(rows.map((r) => r.batchSize)).toEqual([32, 7]);
  for (const r of rows) expect(r.staged > 0 && r.rowByRow > 0).toBe(true);
});
