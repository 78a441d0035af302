// What the experiment commands' configs and hooks share: the seed, which data, where the files go,
// and the hooks a caller (the CLI's log and progress bars) gets while two models train side by side.

import type { Callbacks } from '../../model/history';

/** The fields every experiment config has (bin/cli.ts's commonConfig fills them from the flags). */
export interface ExperimentDataConfig {
  seed: number;
  /** 'mnist' or 'fashion_mnist'. */
  dataset: string;
  /** A folder of IDX files instead of the shipped (or cached) data. */
  dataDir?: string;
  /** Use only the first n training / test images (quick runs). */
  trainLimit?: number;
  testLimit?: number;
  /** Folder for the experiment's figures; null writes no files. */
  outDir: string | null;
}

/** Hooks into an experiment that trains models named M one after the other. */
export interface ComparisonHooks<M extends string> {
  /** Called with each human-readable line (config, epochs, totals). */
  log?: (line: string) => void;
  /** Extra fit callbacks per model, e.g. a progress bar. */
  callbacks?: (model: M) => Callbacks[];
}
