// Seed 000 (AYLA): the same MLP trained twice on MNIST from identical initial weights and an
// identical batch order, once normally and once with the AYLA loss transform (L → sign(L)|L|^n,
// gradient × n|L|^(n−1)), then their curves compared in SM1_acc.png and SM1_loss.png.
// Everything is public library pieces: Sequential, aylaTransform (a LossTransform), lineChart.

import { join } from 'node:path';
import { loadDataset } from '../data';
import { Dense } from '../../layers/dense';
import { Softmax } from '../../layers/softmax';
import { aylaTransform, type AylaRule, type LossTransform } from '../../losses';
import type { Callbacks, EpochLogs } from '../../model/history';
import { Sequential } from '../../model/sequential';
import { lineChart, renderSpec, saveFigure, type LineSeries } from '../plot';
import { Tensor } from '../../tensor';
import type { ComparisonHooks, ExperimentDataConfig } from './common';

/** A line's dash: a name lineChart knows, or an SVG dash array. */
export type DashStyle = 'solid' | 'dashed' | 'dotted' | number[];

/** Colours and dashes of the two figures (the original's: Normal black, AYLA blue, validation dashed). */
export interface AylaPlotStyle {
  normalColor: string;
  aylaColor: string;
  trainDash: DashStyle;
  valDash: DashStyle;
}

export interface AylaConfig extends ExperimentDataConfig {
  epochs: number;
  /** Exponent for |L| > 1 under rule 'n1-above' (for |L| < 1 under rule 'n1-below'). */
  n1: number;
  /** Exponent for |L| < 1 under rule 'n1-above' (for |L| > 1 under rule 'n1-below'). */
  n2: number;
  /** 'n1-above' (as AYLA's README states it, default) or 'n1-below' (as AYLA's code does: swapped). */
  rule: AylaRule;
  /** Any registered optimizer name; default 'adam'. */
  optimizer: string;
  /** Default: the optimizer's own (Adam 0.001). */
  learningRate?: number;
  /** AYLA's epsilon = 1e-7, passed as the optimizer's ε (ignored by sgd, momentum, nag). */
  epsilon: number;
  batchSize: number;
  /** Folder for SM1_acc.png/.svg and SM1_loss.png/.svg; null writes no files. */
  outDir: string | null;
  style: AylaPlotStyle;
}

export const DEFAULT_AYLA_CONFIG: AylaConfig = {
  epochs: 10,
  n1: 1.5,
  n2: 0.5,
  rule: 'n1-above',
  optimizer: 'adam',
  epsilon: 1e-7,
  batchSize: 128,
  seed: 1,
  dataset: 'mnist',
  outDir: 'runs/ayla',
  style: { normalColor: 'black', aylaColor: 'blue', trainDash: 'solid', valDash: 'dashed' },
};

/** Per-epoch figures of one of the two models. */
export interface AylaModelRun {
  /** Mean training cross-entropy over the epoch's batches (untransformed, so both models compare). */
  loss: number[];
  /** For AYLA: the mean transformed loss sign(L)|L|^n it descended; for Normal equal to loss. */
  optimized_loss: number[];
  accuracy: number[];
  /** On the validation data (the test set, as the author's Keras code passes validation_data). */
  val_loss: number[];
  val_accuracy: number[];
  /** Mean over the epoch's batches of ‖∇‖₂ of the flat gradient, after AYLA's scaling. */
  grad_norm: number[];
  /** Training seconds per epoch (validation excluded) and their total. */
  seconds: number[];
  total_seconds: number;
}

export interface AylaResult {
  config: AylaConfig;
  numTrain: number;
  numValidation: number;
  params: number;
  normal: AylaModelRun;
  ayla: AylaModelRun;
  /** Files written (PNG and SVG of each figure). */
  files: string[];
}

export type AylaHooks = ComparisonHooks<'normal' | 'ayla'>;

/** AYLA's network: 784 → Dense 128 ReLU → Dense 256 ReLU → Dense 10 → softmax. */
export function buildAylaModel(seed: number, inputSize = 784): Sequential {
  return new Sequential([
    new Dense({ units: 128, activation: 'relu' }),
    new Dense({ units: 256, activation: 'relu' }),
    new Dense({ units: 10 }),
    new Softmax(),
  ], { inputShape: [inputSize], seed });
}

/** Throws an Error naming the first bad field of an AYLA config. */
export function validateAylaConfig(c: AylaConfig): void {
  const posInt = (k: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${k} must be an integer ≥ 1, got ${v}`);
  };
  posInt('epochs', c.epochs);
  posInt('batchSize', c.batchSize);
  posInt('trainLimit', c.trainLimit);
  posInt('testLimit', c.testLimit);
  aylaTransform({ n1: c.n1, n2: c.n2, rule: c.rule }); // validates N1, N2 and the rule
  if (c.learningRate !== undefined && !(c.learningRate > 0 && Number.isFinite(c.learningRate))) throw new Error(`learning rate must be a number > 0, got ${c.learningRate}`);
  if (!(c.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${c.epsilon}`);
}

/**
 * Trains Normal and AYLA (same seed → same initial weights and same shuffles), prints per-epoch
 * loss, val_loss, val_accuracy and gradient norm through hooks.log, and writes the two figures.
 */
export async function runAyla(config: AylaConfig, hooks: AylaHooks = {}): Promise<AylaResult> {
  validateAylaConfig(config);
  const log = hooks.log ?? (() => undefined);
  const ds = loadDataset(config.dataset, { dataDir: config.dataDir, limit: { train: config.trainLimit, test: config.testLimit } });
  const x = new Tensor(ds.trainImages, [ds.numTrain, ds.featureSize]);
  const xVal = new Tensor(ds.testImages, [ds.numTest, ds.featureSize]);
  const optimizerConfig = { epsilon: config.epsilon, ...(config.learningRate !== undefined ? { learning_rate: config.learningRate } : {}) };
  log(`AYLA loss transform on ${ds.name}: ${ds.numTrain} training images, validation = the ${ds.numTest} test images`);
  log(`N1 ${config.n1}, N2 ${config.n2}, rule ${config.rule} (${config.rule === 'n1-above' ? 'N1 for |L| > 1, N2 for |L| < 1' : 'N2 for |L| > 1, N1 for |L| < 1'}), optimizer ${config.optimizer} ${JSON.stringify(optimizerConfig)}, batch ${config.batchSize}, seed ${config.seed}`);

  const runs: Partial<Record<'normal' | 'ayla', AylaModelRun>> = {};
  let params = 0;
  for (const which of ['normal', 'ayla'] as const) {
    const model = buildAylaModel(config.seed, ds.featureSize);
    params = model.countParams();
    // Record the raw cross-entropy L of each batch before AYLA replaces it, so both models' training
    // losses are the same quantity; the transformed value is kept too.
    let raw = 0;
    const ayla = which === 'ayla' ? aylaTransform({ n1: config.n1, n2: config.n2, rule: config.rule }) : null;
    const transform: LossTransform = (L) => {
      raw = L;
      return ayla ? ayla(L) : { value: L, scale: 1 };
    };
    model.compile({ optimizer: config.optimizer, optimizerConfig, loss: 'cross_entropy', lossTransform: transform });
    if (which === 'normal') log(`model: ${params} parameters\n${model.summary()}`);
    const rawLoss: number[] = [];
    let rawSum = 0;
    let rows = 0;
    const tracker: Callbacks = {
      onEpochBegin: () => { rawSum = 0; rows = 0; },
      onBatchEnd: (_b, logs) => { rawSum += raw * logs.size; rows += logs.size; },
      onEpochEnd: (epoch: number, logs: EpochLogs) => {
        rawLoss.push(rawSum / rows);
        log(`${which === 'normal' ? 'Normal' : 'AYLA  '} epoch ${epoch + 1}/${config.epochs}  loss ${(rawSum / rows).toFixed(4)}${ayla ? ` (AYLA ${logs.loss.toFixed(4)})` : ''}  val_loss ${logs.val_loss?.toFixed(4)}  val_accuracy ${logs.val_accuracy?.toFixed(4)}  grad_norm ${logs.grad_norm.toFixed(4)}  ${logs.seconds.toFixed(1)}s`);
      },
    };
    const history = model.fit(x, ds.trainLabels, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      validationData: [xVal, ds.testLabels],
      seed: config.seed,
      // The caller's callbacks first, so a progress bar is cleared before the epoch line is logged.
      callbacks: [...(hooks.callbacks?.(which) ?? []), tracker],
    });
    const h = history.history;
    const total = h.seconds.reduce((s, v) => s + v, 0);
    runs[which] = {
      loss: rawLoss, optimized_loss: h.loss, accuracy: h.accuracy, val_loss: h.val_loss, val_accuracy: h.val_accuracy,
      grad_norm: h.grad_norm, seconds: h.seconds, total_seconds: total,
    };
    model.dispose();
  }
  const normal = runs.normal!;
  const aylaRun = runs.ayla!;
  log(`total training time: Normal ${normal.total_seconds.toFixed(1)} s, AYLA ${aylaRun.total_seconds.toFixed(1)} s`);

  const files = config.outDir === null ? [] : await saveAylaFigures(config.outDir, normal, aylaRun, config.style);
  return { config, numTrain: ds.numTrain, numValidation: ds.numTest, params, normal, ayla: aylaRun, files };
}

/** Writes SM1_acc and SM1_loss (.png and .svg) into dir; returns the paths. */
export async function saveAylaFigures(dir: string, normal: AylaModelRun, ayla: AylaModelRun, style: AylaPlotStyle): Promise<string[]> {
  const epochs = normal.loss.map((_, i) => i + 1);
  const curves = (train: 'accuracy' | 'loss', val: 'val_accuracy' | 'val_loss'): LineSeries[] => [
    { name: 'Normal train', x: epochs, y: normal[train], color: style.normalColor, dash: style.trainDash },
    { name: 'Normal validation', x: epochs, y: normal[val], color: style.normalColor, dash: style.valDash },
    { name: 'AYLA train', x: epochs, y: ayla[train], color: style.aylaColor, dash: style.trainDash },
    { name: 'AYLA validation', x: epochs, y: ayla[val], color: style.aylaColor, dash: style.valDash },
  ];
  // Render both before writing either, so a failure leaves no half set of figures.
  const acc = await renderSpec(lineChart({ title: 'Accuracy: Normal vs AYLA', series: curves('accuracy', 'val_accuracy'), xLabel: 'epoch', yLabel: 'accuracy' }));
  const loss = await renderSpec(lineChart({ title: 'Loss (cross-entropy): Normal vs AYLA', series: curves('loss', 'val_loss'), xLabel: 'epoch', yLabel: 'loss' }));
  return [...(await saveFigure(join(dir, 'SM1_acc'), acc)), ...(await saveFigure(join(dir, 'SM1_loss'), loss))];
}
