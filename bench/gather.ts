// What fit pays per batch to gather its rows: the BatchIterator fit uses (rows copied into a plain staging
// buffer, then the batch across into backend memory in one set) against the row-by-row copy straight into
// backend memory it replaced. With the wasm backend's shared memory, each TypedArray.set into it takes V8's
// copy for shared buffers, with a fixed cost per call. Both gather the same shuffled MNIST rows (60,000
// training images of 784 floats, one-hot labels too), alternating, medians of rounds of 200 batches.
// Run alone: `npm run build && node dist/bench/gather.js [rounds]`.

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { cpus, loadavg } from 'os';
import { getBackend } from '../lib/backend';
import { BatchIterator, gatherRows, oneHot } from '../lib/data/helpers';
import { loadDataset } from '../lib/node/data';
import { Rng } from '../lib/rng';
import { median } from '../lib/util/format';

export interface GatherBenchRow {
  batchSize: number;
  /** µs per batch: BatchIterator.next() (staged), and rows set one by one into backend memory. */
  staged: number;
  rowByRow: number;
}

/** µs per batch of both gathers at each batch size (medians of `rounds` rounds of `batches` batches). */
export function benchGather(opts: { batchSizes?: number[]; rounds?: number; batches?: number; rows?: number } = {}): GatherBenchRow[] {
  const ds = loadDataset('mnist', { limit: { train: opts.rows ?? 60000, test: 0 } });
  const F = ds.featureSize;
  const C = ds.numClasses;
  const backend = getBackend();
  const rows: GatherBenchRow[] = [];
  const batches = opts.batches ?? 200;
  for (const B of opts.batchSizes ?? [32, 64, 128]) {
    const it = new BatchIterator(ds.trainImages, ds.trainLabels, { batchSize: B, featureSize: F, numClasses: C, rng: new Rng(1), alloc: (n) => backend.alloc(n) });
    // The former gather: the same rows, each set straight into backend memory.
    const x = backend.alloc(B * F);
    const y = backend.alloc(B * C);
    const labels = new Int32Array(B);
    const order = Uint32Array.from({ length: ds.numTrain }, (_, i) => i);
    const rng = new Rng(1);
    let cursor = ds.numTrain;
    const rowByRow = (): void => {
      if (cursor + B > ds.numTrain) {
        rng.shuffle(order);
        cursor = 0;
      }
      gatherRows(x, ds.trainImages, order, cursor, B, F);
      gatherRows(labels, ds.trainLabels, order, cursor, B, 1);
      oneHot(y, labels, C);
      cursor += B;
    };
    const staged = (): void => {
      const b = it.next();
      if (b === null || b.size < B) it.startEpoch();
    };
    // Checked before anything is timed: both gather the same first batch.
    const first = it.next()!;
    rowByRow();
    for (let i = 0; i < B * F; i++) if (first.x[i] !== x[i]) throw new Error(`gather bench: batch ${B}, the two gathers differ at x[${i}]`);
    for (let i = 0; i < B * C; i++) if (first.y![i] !== y[i]) throw new Error(`gather bench: batch ${B}, the two gathers differ at y[${i}]`);
    const times: { staged: number[]; rowByRow: number[] } = { staged: [], rowByRow: [] };
    for (let round = 0; round < (opts.rounds ?? 15); round++) {
      for (const [name, f] of round % 2 ? ([['rowByRow', rowByRow], ['staged', staged]] as const) : ([['staged', staged], ['rowByRow', rowByRow]] as const)) {
        const t0 = process.hrtime.bigint();
        for (let k = 0; k < batches; k++) f();
        times[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / batches);
      }
    }
    backend.free?.(x);
    backend.free?.(y);
    rows.push({ batchSize: B, staged: median(times.staged), rowByRow: median(times.rowByRow) });
  }
  return rows;
}

if (require.main === module) {
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const r of benchGather({ rounds: process.argv[2] ? Number(process.argv[2]) : undefined })) {
    console.log(`batch ${r.batchSize}: BatchIterator.next ${r.staged.toFixed(1)} µs, row by row into backend memory ${r.rowByRow.toFixed(1)} µs per batch (${(r.rowByRow / r.staged).toFixed(2)}x)`);
  }
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  (getBackend() as { shutdown?(): void }).shutdown?.();
}
