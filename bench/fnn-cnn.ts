// FNN/CNN study throughput: training samples/s of the study's PyTorch-variant FNN and CNN
// (lib/node/experiments/fnn-cnn.ts) at batch 128 with fit(), against the same models in PyTorch CPU
// (bench/torch_fnn_cnn.py) when python3 has torch; medians of runs, alternating implementations so
// load from other processes hits both alike. Part of `npm run bench` (--only cnn runs it alone).
//
// A run trains `batches` batches (one shuffled pass over the first batches·128 MNIST images) from
// fresh weights; model construction and compile are not timed. Besides samples per second of wall
// clock, each run reports samples per CPU-second (all threads of the process: process.cpuUsage, and
// Python's time.process_time): on a machine shared with other jobs the wall clock measures the load as
// much as the code, CPU time much less so (both implementations use 2 threads; spin-waiting counts).

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { spawnSync } from 'child_process';
import { join } from 'path';
import { buildFnnCnnModel, type FnnCnnModelName } from '../lib/node/experiments/fnn-cnn';
import { findPackageRoot, loadDataset } from '../lib/node/data';
import { Tensor } from '../lib/tensor';
import { median } from '../lib/util/format';

export interface FnnCnnBenchRow {
  model: FnnCnnModelName;
  /** scratchnet samples/s per run, and their median. */
  scratchnet: number[];
  scratchnetMedian: number;
  /** PyTorch samples/s per run and median; null when torch is unavailable. */
  torch: number[] | null;
  torchMedian: number | null;
  /** scratchnet / PyTorch medians. */
  ratio: number | null;
  /** The same per CPU-second (samples / CPU seconds of all the process's threads): medians and their ratio. */
  scratchnetCpuMedian: number;
  torchCpuMedian: number | null;
  cpuRatio: number | null;
}

export interface FnnCnnBenchResult {
  batchSize: number;
  batches: number;
  runs: number;
  torchVersion: string | null;
  torchThreads: number | null;
  /** Why PyTorch was not timed, when it was not. */
  torchSkipped?: string;
  rows: FnnCnnBenchRow[];
}

/** One scratchnet run: samples per second and per CPU-second of fit over `rows` images at batch B (one epoch). */
function scratchnetRun(which: FnnCnnModelName, x: Tensor, labels: Uint8Array, B: number, seed: number): { wall: number; cpu: number } {
  const model = buildFnnCnnModel('pytorch', which, seed);
  model.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1, weight_decay: 1e-4 }, loss: 'softmax_cross_entropy' });
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  model.fit(x, labels, { epochs: 1, batchSize: B, seed });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  model.dispose();
  return { wall: x.rows / seconds, cpu: x.rows / ((c.user + c.system) / 1e6) };
}

/** One PyTorch run of every model (one python3 process), or the reason it could not run. */
function torchRun(batches: number, B: number, models: FnnCnnModelName[]): { json: Record<string, unknown> } | { skipped: string } {
  const script = join(findPackageRoot(__dirname), 'bench', 'torch_fnn_cnn.py');
  const r = spawnSync('python3', [script, '--batches', String(batches), '--runs', '1', '--batch-size', String(B), '--threads', '2', '--models', models.join(',')], { encoding: 'utf8', timeout: 1800000 });
  if (r.error) return { skipped: `python3 not runnable (${r.error.message})` };
  if (r.status !== 0) return { skipped: /No module named 'torch'/.test(r.stderr) ? 'torch is not installed (pip install torch==2.13.0+cpu)' : `torch_fnn_cnn.py failed: ${r.stderr.trim().split('\n').pop()}` };
  return { json: JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown> };
}

export function benchFnnCnn(opts: { batches: number; runs: number; batchSize?: number; log: (line: string) => void; models?: FnnCnnModelName[] }): FnnCnnBenchResult {
  const B = opts.batchSize ?? 128;
  const models = opts.models ?? ['fnn', 'cnn'];
  const n = opts.batches * B;
  const ds = loadDataset('mnist', { limit: { train: n, test: 0 } });
  const x = new Tensor(ds.trainImages, [ds.numTrain, 28, 28, 1]);
  const sn: Record<string, number[]> = { fnn: [], cnn: [] };
  const th: Record<string, number[]> = { fnn: [], cnn: [] };
  const snCpu: Record<string, number[]> = { fnn: [], cnn: [] };
  const thCpu: Record<string, number[]> = { fnn: [], cnn: [] };
  let torchVersion: string | null = null;
  let torchThreads: number | null = null;
  let skipped: string | undefined;
  for (let run = 0; run < opts.runs; run++) {
    for (const m of models) {
      const r = scratchnetRun(m, x, ds.trainLabels, B, run + 1);
      sn[m].push(r.wall);
      snCpu[m].push(r.cpu);
    }
    if (skipped === undefined) {
      const t = torchRun(opts.batches, B, models);
      if ('skipped' in t) skipped = t.skipped;
      else {
        torchVersion = String(t.json.torch);
        torchThreads = Number(t.json.threads);
        for (const m of models) {
          th[m].push(...(t.json[m] as number[]));
          thCpu[m].push(...((t.json[`${m}_cpu`] as number[] | undefined) ?? []));
        }
      }
    }
    opts.log(`  run ${run + 1}/${opts.runs}: ${models.map((m) => `${m} scratchnet ${Math.round(sn[m][run])} (${Math.round(snCpu[m][run])} per CPU-s)${th[m][run] ? `, torch ${Math.round(th[m][run])}${thCpu[m][run] ? ` (${Math.round(thCpu[m][run])} per CPU-s)` : ''}` : ''}`).join('; ')} samples/s`);
  }
  const rows = models.map((m): FnnCnnBenchRow => {
    const s = median(sn[m]);
    const t = th[m].length ? median(th[m]) : null;
    const sc = median(snCpu[m]);
    const tc = thCpu[m].length ? median(thCpu[m]) : null;
    return { model: m, scratchnet: sn[m], scratchnetMedian: s, torch: th[m].length ? th[m] : null, torchMedian: t, ratio: t ? s / t : null, scratchnetCpuMedian: sc, torchCpuMedian: tc, cpuRatio: tc ? sc / tc : null };
  });
  return { batchSize: B, batches: opts.batches, runs: opts.runs, torchVersion, torchThreads, ...(skipped ? { torchSkipped: skipped } : {}), rows };
}
