// Times how long decoding the whole Fashion-MNIST training set takes (read + gunzip + SHA-256 check +
// IDX parse + byte/255 float conversion), as a user's first loadDataset call in a process pays it.
// Run alone: `npm run build && node dist/bench/load-data.js`; the bench runner calls benchLoadData().

import { forgetVerifiedFiles, loadDataset } from '../lib/node/data';
import { median } from '../lib/util/format';

/** One benchmark's figures: every run's wall time and their median, in milliseconds. */
export interface LoadDataBenchResult {
  name: string;
  medianMs: number;
  runs: number[];
}


/** Times fn `runs` times after one untimed warm-up run (which lets V8 compile the loops). */
function timeRuns(fn: () => void, runs: number): number[] {
  fn();
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Decodes Fashion-MNIST's 60,000 training images and labels `runs` times (default 7), verifying the
 * checksums every time, and returns the median. The target is under 1000 ms.
 */
export async function benchLoadData(runs = 7): Promise<LoadDataBenchResult> {
  const times = timeRuns(() => {
    forgetVerifiedFiles(); // hash every run, as a fresh process does
    const ds = loadDataset('fashion_mnist', { limit: { test: 0 } });
    // Checks before timing counts: a benchmark of a wrong result is worthless.
    if (ds.numTrain !== 60000 || ds.trainImages.length !== 60000 * 784) throw new Error(`benchLoadData: decoded ${ds.numTrain} images, expected 60000`);
  }, runs);
  return { name: 'load fashion_mnist train (60k: gunzip + sha256 + parse + float)', medianMs: median(times), runs: times };
}

/** Extra figures printed when run by itself: the whole data set, and a quick limited load. */
async function main(): Promise<void> {
  const fmt = (r: LoadDataBenchResult): string =>
    `${r.name}: median ${r.medianMs.toFixed(1)} ms over ${r.runs.length} runs [${r.runs.map((t) => t.toFixed(0)).join(', ')}]`;
  console.log(fmt(await benchLoadData()));
  const both = timeRuns(() => {
    forgetVerifiedFiles();
    loadDataset('fashion_mnist');
  }, 5);
  console.log(fmt({ name: 'load fashion_mnist train+test (70k, verified)', medianMs: median(both), runs: both }));
  const small = timeRuns(() => loadDataset('fashion_mnist', { limit: { train: 3000, test: 1000 } }), 5);
  console.log(fmt({ name: "load fashion_mnist limit {train: 3000, test: 1000} (checksums already passed in this process)", medianMs: median(small), runs: small }));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
