// The comparison commands: Q3 `compare-optimizers`, Q8 `compare-losses`, Q10 `mnist-configs`.
// Each builds a list of configurations, trains them on the same data (lib/node/experiments/compare.ts),
// prints a table, and writes the curves as PNG + SVG and the table as JSON.

import { Command } from 'commander';
import { join } from 'node:path';
import { DEFAULT_CONFIG, OPTIMIZERS, loadAssignmentData, type AssignmentConfig } from '../../lib/node/experiments/assignment';
import { comparisonFigure, comparisonTable, runComparison, type ComparisonEntry } from '../../lib/node/experiments/compare';
import { RECOMMENDED_MNIST_CONFIGS } from '../../lib/node/experiments/recommended';
import { saveFigure } from '../../lib/node/plot';
import { writeFileAtomic } from '../../lib/node/fs';
import { progressCallbacks, Reporter, sharedFlag } from '../cli';
import { addTrainFlags, configFromOptions, type TrainFlagKey } from '../train-flags';
import { addRunFlags } from './train';

/** Each optimizer's own usual learning rate, used unless --learning_rate is given. */
const USUAL_LR: Record<string, number> = { sgd: 0.01, momentum: 0.01, nag: 0.01, rmsprop: 0.001, adam: 0.001, nadam: 0.001 };

interface Spec {
  name: string;
  description: string;
  out: string;
  file: string;
  title: (cfg: AssignmentConfig) => string;
  firstColumn: string;
  /** train.py flags this command takes. */
  flags: readonly TrainFlagKey[];
  entries: (cfg: AssignmentConfig, opts: Record<string, unknown>) => ComparisonEntry[];
  colors?: Record<string, string>;
  /** Loss panels on log scales (losses of different kinds in one figure). */
  logLoss?: boolean;
}

const SHAPE_FLAGS = ['dataset', 'epochs', 'batch_size', 'num_layers', 'hidden_size', 'activation', 'weight_init', 'weight_decay'] as const;

const SPECS: Spec[] = [
  {
    name: 'compare-optimizers',
    description: 'DA6401 Q3: the same network and data with all six optimizers; table and loss/accuracy curves',
    out: 'runs/compare-optimizers', file: 'optimizers',
    title: (c) => `Six optimizers, ${c.dataset}, ${c.num_layers}x${c.hidden_size} ${c.activation}, batch ${c.batch_size}`,
    firstColumn: 'optimizer',
    flags: [...SHAPE_FLAGS, 'loss', 'learning_rate', 'momentum', 'beta', 'beta1', 'beta2', 'epsilon'],
    entries: (cfg, opts) => OPTIMIZERS.map((o) => ({
      label: o,
      config: { ...cfg, optimizer: o, learning_rate: opts.learning_rate !== undefined ? (opts.learning_rate as number) : USUAL_LR[o] },
    })),
  },
  {
    name: 'compare-losses',
    description: 'DA6401 Q8: cross-entropy vs squared error on the same configuration; curves',
    out: 'runs/compare-losses', file: 'losses',
    title: (c) => `Cross-entropy vs squared error, ${c.dataset}, ${c.num_layers}x${c.hidden_size} ${c.activation}, ${c.optimizer}`,
    firstColumn: 'loss',
    flags: [...SHAPE_FLAGS, 'optimizer', 'learning_rate', 'momentum', 'beta', 'beta1', 'beta2', 'epsilon'],
    entries: (cfg) => (['cross_entropy', 'mean_squared_error'] as const).map((l) => ({ label: l, config: { ...cfg, loss: l } })),
    colors: { cross_entropy: '#1f77b4', mean_squared_error: '#d62728' },
    logLoss: true,
  },
  {
    name: 'mnist-configs',
    description: 'DA6401 Q10: the three configurations recommended by the Fashion-MNIST search, run on MNIST',
    out: 'runs/mnist-configs', file: 'mnist-configs',
    title: () => 'Three recommended configurations on MNIST',
    firstColumn: 'configuration',
    flags: ['dataset', 'epochs'],
    entries: (cfg, opts) => RECOMMENDED_MNIST_CONFIGS.map((r) => ({
      label: r.label,
      config: { ...DEFAULT_CONFIG, ...r.config, dataset: cfg.dataset, seed: cfg.seed, ...(opts.epochs !== undefined ? { epochs: opts.epochs as number } : {}) },
    })),
  },
];

export function comparisonCommands(): Command[] {
  return SPECS.map((spec) => {
    const cmd = new Command(spec.name).description(spec.description);
    const defaults = spec.name === 'mnist-configs' ? { dataset: 'mnist' as const } : { ...DEFAULT_CONFIG, epochs: 5 };
    // Q3 must see the user's --learning_rate only if given, so no default there.
    addTrainFlags(cmd, spec.name === 'compare-optimizers' ? { ...defaults, learning_rate: undefined } : defaults, spec.flags);
    addRunFlags(cmd).addOption(sharedFlag.out(spec.out, 'folder for the figure and the table'));
    cmd.action((opts: Record<string, unknown>) => runSpec(spec, opts));
    return cmd;
  });
}

async function runSpec(spec: Spec, opts: Record<string, unknown>): Promise<void> {
  const reporter = new Reporter(opts.json === true);
  const cfg = configFromOptions(opts, { ...DEFAULT_CONFIG, epochs: 5, ...(spec.name === 'mnist-configs' ? { dataset: 'mnist' } : {}) });
  const data = loadAssignmentData(cfg.dataset, {
    dataDir: opts.dataDir as string | undefined,
    limit: { train: opts.trainLimit as number | undefined, test: opts.testLimit as number | undefined },
    splitSeed: cfg.seed,
  });
  const entries = spec.entries(cfg, opts);
  reporter.line(`${spec.name}: ${entries.length} runs on ${cfg.dataset} (${data.xTrain.rows} train, ${data.xVal.rows} validation, ${data.xTest.rows} test images)`);
  const results = runComparison(entries, data, (e) => {
    reporter.line(`-- ${e.label}: ${describe(e.config)}`);
    return [progressCallbacks(reporter, e.config.epochs, e.label)];
  });
  reporter.line();
  reporter.line(comparisonTable(results, spec.firstColumn));
  const files = await saveFigure(join(opts.out as string, spec.file), comparisonFigure(results, spec.title(cfg), spec.colors, spec.logLoss));
  files.push(writeFileAtomic(join(opts.out as string, `${spec.file}.json`), JSON.stringify(results, null, 2) + '\n'));
  for (const f of files) reporter.line(`wrote ${f}`);
  reporter.result({ command: spec.name, results, files });
}

function describe(c: AssignmentConfig): string {
  return `${c.num_layers}x${c.hidden_size} ${c.activation} ${c.weight_init}, ${c.optimizer} lr=${c.learning_rate}, batch ${c.batch_size}, wd ${c.weight_decay}, ${c.loss}, ${c.epochs} epochs`;
}
