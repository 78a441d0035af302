// Does training slow down epoch after epoch? The `train` command's default network (DEFAULT_CONFIG:
// 3x512 ReLU, Adam, weight decay) trained on the shipped Fashion-MNIST for several epochs, with each
// epoch's seconds and, after each, how many parameters and optimizer-slot values are subnormal
// (0 < |x| < 2⁻¹²⁶). Subnormals cost Intel cores a microcode assist per operand (AMD far less), so the
// counts show the cause on any CPU and last/first shows the effect on this one.
// Run alone: `npm run build && node dist/bench/epochs.js [epochs]`; the bench runner calls benchEpochs().

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { cpus } from 'os';
import { getBackend, setBackend } from '../lib/backend';
import { buildAssignmentModel, DEFAULT_CONFIG, loadAssignmentData, type AssignmentConfig } from '../lib/node/experiments/assignment';
import { countSubnormals } from '../lib/ops';

export interface EpochBenchResult {
  cpu: string;
  backend: string;
  config: AssignmentConfig;
  trainRows: number;
  /** Training seconds of each epoch (validation excluded, as History records them). */
  seconds: number[];
  /** Subnormal values after each epoch: in the parameters, and in all optimizer slots together. */
  subnormalParams: number[];
  subnormalSlots: number[];
  /** seconds[last] / seconds[0] (the issue-10 target: ≤ 1.15). */
  lastOverFirst: number;
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
  try {
    const h = model.fit(data.xTrain, data.yTrain, {
      epochs,
      batchSize: cfg.batch_size,
      seed: cfg.seed,
      callbacks: [{
        onEpochEnd: (epoch, logs) => {
          subnormalParams.push(countSubnormals(model.params));
          subnormalSlots.push((model.optimizer?.getSlots?.() ?? []).reduce((s, b) => s + countSubnormals(b), 0));
          opts.log?.(`  epoch ${epoch + 1}: ${logs.seconds.toFixed(2)} s, loss ${logs.loss.toFixed(4)}, subnormal params ${subnormalParams[epoch]}, slots ${subnormalSlots[epoch]}`);
        },
      }],
    });
    const s = h.history.seconds;
    return {
      cpu: cpus()[0]?.model ?? 'unknown', backend: getBackend().name, config: cfg, trainRows: data.xTrain.rows,
      seconds: s, subnormalParams, subnormalSlots, lastOverFirst: s[s.length - 1] / s[0],
    };
  } finally {
    model.dispose();
    setBackend(previous);
  }
}

if (require.main === module) {
  const epochs = Number(process.argv[2] ?? 8);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores`);
  const r = benchEpochs(epochs, { log: (l) => console.log(l) });
  console.log(`${r.backend}: ${r.seconds.map((x) => x.toFixed(2)).join(' ')} s per epoch; last/first ${r.lastOverFirst.toFixed(3)}`);
  (getBackend() as { shutdown?(): void }).shutdown?.();
}
