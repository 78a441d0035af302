// Does training slow down epoch after epoch? The `train` command's default network (DEFAULT_CONFIG:
// 3x512 ReLU, Adam, weight decay) trained on the shipped Fashion-MNIST for several epochs, with each
// epoch's seconds and, after each, how many parameters and optimizer-slot values are subnormal
// (0 < |x| < 2⁻¹²⁶). Subnormals cost Intel cores a microcode assist per operand (AMD far less), so the
// counts show the cause on any CPU and last/first shows the effect on this one. Beside them, each epoch's
// CPU seconds (all threads; the wall clock under load measures the other jobs too) and the nonzero fraction
// of every layer's input on a fixed probe of training rows: the wasm backend skips zeros in a product whose
// A is at most SPARSE_MAX_DENSITY nonzero, and ReLU outputs get sparser as training goes.
// Run alone: `npm run build && node dist/bench/epochs.js [epochs] [train rows]`; the bench runner calls benchEpochs().

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { cpus } from 'os';
import { getBackend, setBackend } from '../lib/backend';
import { buildAssignmentModel, DEFAULT_CONFIG, loadAssignmentData, type AssignmentConfig } from '../lib/node/experiments/assignment';
import { countSubnormals } from '../lib/ops';
import { Tensor } from '../lib/tensor';
import { Dense } from '../lib/layers/dense';

export interface EpochBenchResult {
  cpu: string;
  backend: string;
  config: AssignmentConfig;
  trainRows: number;
  /** Training seconds of each epoch (validation excluded, as History records them). */
  seconds: number[];
  /** CPU seconds of each epoch (process.cpuUsage: user + system, all threads). */
  cpuSeconds: number[];
  /** After each epoch, per Dense layer, the nonzero fraction of its input over the first PROBE_ROWS training rows. */
  nonzeroInputs: number[][];
  /** Subnormal values after each epoch: in the parameters, and in all optimizer slots together. */
  subnormalParams: number[];
  subnormalSlots: number[];
  /** seconds[last] / seconds[0] (the issue-10 target: ≤ 1.15). */
  lastOverFirst: number;
}

/** Rows of the density probe (whole batches of DEFAULT_CONFIG.batch_size). */
const PROBE_ROWS = 640;

/** Fraction of nonzero values in a. */
function nonzeroFraction(a: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n / a.length;
}

/** Trains DEFAULT_CONFIG for `epochs` epochs (train rows limited by `limit`, all by default). */
export function benchEpochs(epochs: number, opts: { backend?: string; limit?: number; log?: (line: string) => void } = {}): EpochBenchResult {
  const previous = getBackend().name;
  if (opts.backend) setBackend(opts.backend);
  const cfg: AssignmentConfig = { ...DEFAULT_CONFIG, epochs };
  const data = loadAssignmentData(cfg.dataset, opts.limit ? { limit: { train: opts.limit, test: 10 } } : { limit: { test: 10 } });
  const model = buildAssignmentModel(cfg, data.dataset.featureSize, data.dataset.numClasses);
  const subnormalParams: number[] = [];
  const subnormalSlots: number[] = [];
  const cpuSeconds: number[] = [];
  const nonzeroInputs: number[][] = [];
  // The probe goes through the layers a batch at a time (their buffers keep the training batch's size).
  const F = data.dataset.featureSize;
  const probeBatch = cfg.batch_size;
  const probeRows = Math.min(PROBE_ROWS, Math.floor(data.xTrain.rows / probeBatch) * probeBatch);
  const probe = (): number[] => {
    const sums = model.layers.filter((l) => l instanceof Dense).map(() => 0);
    for (let r = 0; r < probeRows; r += probeBatch) {
      let h = new Tensor(data.xTrain.data.subarray(r * F, (r + probeBatch) * F), [probeBatch, F]);
      let i = 0;
      for (const l of model.layers) {
        if (l instanceof Dense) sums[i++] += nonzeroFraction(h.data);
        h = l.forward(h, { training: false });
      }
    }
    return sums.map((s) => s / (probeRows / probeBatch));
  };
  let cpu0 = process.cpuUsage();
  try {
    const h = model.fit(data.xTrain, data.yTrain, {
      epochs,
      batchSize: cfg.batch_size,
      seed: cfg.seed,
      callbacks: [{
        onEpochBegin: () => {
          cpu0 = process.cpuUsage();
        },
        onEpochEnd: (epoch, logs) => {
          const cpu = process.cpuUsage(cpu0);
          cpuSeconds.push((cpu.user + cpu.system) / 1e6);
          if (probeRows > 0) nonzeroInputs.push(probe());
          subnormalParams.push(countSubnormals(model.params));
          subnormalSlots.push((model.optimizer?.getSlots?.() ?? []).reduce((s, b) => s + countSubnormals(b), 0));
          const nz = (nonzeroInputs[epoch] ?? []).map((f) => `${(100 * f).toFixed(1)}%`).join(' ');
          opts.log?.(`  epoch ${epoch + 1}: ${logs.seconds.toFixed(2)} s (CPU ${cpuSeconds[epoch].toFixed(2)} s), nonzero inputs ${nz}, loss ${logs.loss.toFixed(4)}, subnormal params ${subnormalParams[epoch]}, slots ${subnormalSlots[epoch]}`);
        },
      }],
    });
    const s = h.history.seconds;
    return {
      cpu: cpus()[0]?.model ?? 'unknown', backend: getBackend().name, config: cfg, trainRows: data.xTrain.rows,
      seconds: s, cpuSeconds, nonzeroInputs, subnormalParams, subnormalSlots, lastOverFirst: s[s.length - 1] / s[0],
    };
  } finally {
    model.dispose();
    setBackend(previous);
  }
}

if (require.main === module) {
  const epochs = Number(process.argv[2] ?? 8);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores`);
  const r = benchEpochs(epochs, { limit: process.argv[3] ? Number(process.argv[3]) : undefined, log: (l) => console.log(l) });
  console.log(`${r.backend}: ${r.seconds.map((x) => x.toFixed(2)).join(' ')} s per epoch; last/first ${r.lastOverFirst.toFixed(3)}`);
  (getBackend() as { shutdown?(): void }).shutdown?.();
}
