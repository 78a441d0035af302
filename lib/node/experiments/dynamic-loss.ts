// The dynamical loss (Ruiz-Garcia et al., ICML 2021, as a Keras implementation ran it): full-batch gradient descent on
// Flatten → Dense(width, ReLU) → Dense(10) logits, with class weights that oscillate over training
// (a ClassWeightSchedule feeding WeightedCrossEntropy), next to an unweighted cross-entropy
// baseline started from the same weights. Writes the loss curves, the weights Γ_i(t) and the
// implementation's strip of 10 test images with true and predicted labels.

import { join } from 'node:path';
import { loadDataset, toOneHot } from '../data';
import { Dense } from '../../layers/dense';
import { Flatten } from '../../layers/flatten';
import { createClassWeightSchedule, SoftmaxCrossEntropy, type ClassWeightScheduleKind, WeightedCrossEntropy, type Loss } from '../../losses';
import { Sequential } from '../../model/sequential';
import { accuracy, predictedLabels } from '../../metrics';
import { imageGrid, lineChart, renderSpec, saveFigure, type LineSeries } from '../plot';
import { Tensor } from '../../tensor';
import type { ExperimentDataConfig } from './common';

export type DynamicScheduleKind = ClassWeightScheduleKind;

export interface DynamicLossConfig extends ExperimentDataConfig {
  /** 'class-per-step': the Keras implementation's loop (t = s mod T, class = s mod C, w_max − 0.001 per step); 'class-per-period': the paper's, one period per class. */
  schedule: DynamicScheduleKind;
  /** Full-batch gradient steps (the implementation's total_time = 1500). */
  steps: number;
  /** Period T of the weight oscillation, in steps. */
  period: number;
  /** Peak raw weight of the emphasised class (the implementation's 1.5). */
  wMax: number;
  /** 'class-per-period' only: the last period without oscillation (all weights 1). */
  flatEnd: boolean;
  /** Hidden units of the one hidden layer (the implementation's NN_width). */
  width: number;
  /** Plain gradient descent step size (the implementation's is not shown). */
  learningRate: number;
  /** Print (log) every this many steps, as the implementation's `if i % 100 == 0`. */
  logEvery: number;
  /** Folder for loss.png, weights.png, predictions.png (+ .svg); null writes no files. */
  outDir: string | null;
}

export const DEFAULT_DYNAMIC_LOSS_CONFIG: DynamicLossConfig = {
  schedule: 'class-per-step',
  steps: 1500,
  period: 50,
  wMax: 1.5,
  flatEnd: false,
  width: 16,
  learningRate: 0.5,
  seed: 1,
  dataset: 'mnist',
  logEvery: 100,
  outDir: 'runs/dynamic-loss',
};

/** One printed line: training loss and accuracy (after the step, as the implementation prints them). */
export interface DynamicLogPoint {
  step: number;
  dynamic_loss: number;
  dynamic_accuracy: number;
  baseline_loss: number;
  baseline_accuracy: number;
}

export interface DynamicModelSummary {
  /** The loss minimised at the last step (weighted for the dynamical model). */
  final_loss: number;
  /** Unweighted training cross-entropy at the last step. */
  final_cross_entropy: number;
  /** Training accuracy after the last step, on all training images. */
  train_accuracy: number;
  test_accuracy: number;
  /** Predicted labels of the first 10 test images. */
  first_predictions: number[];
}

export interface DynamicLossResult {
  config: DynamicLossConfig;
  numTrain: number;
  numTest: number;
  params: number;
  dynamic: DynamicModelSummary;
  baseline: DynamicModelSummary;
  log: DynamicLogPoint[];
  /** Per step: the dynamical model's weighted loss, its unweighted CE, and the baseline's CE. */
  history: { weighted_loss: number[]; dynamic_cross_entropy: number[]; baseline_cross_entropy: number[] };
  first_labels: number[];
  seconds: number;
  files: string[];
}

export interface DynamicLossHooks {
  log?: (line: string) => void;
  /** Called after every step (for a progress bar). */
  onStep?: (step: number, steps: number) => void;
}

/** The implementation's network: Flatten(28×28) → Dense(width, ReLU) → Dense(10) logits. */
export function buildDynamicLossModel(width: number, seed: number, imageShape: readonly number[] = [28, 28]): Sequential {
  return new Sequential([new Flatten(), new Dense({ units: width, activation: 'relu' }), new Dense({ units: 10 })], { inputShape: imageShape, seed });
}

export function validateDynamicLossConfig(c: DynamicLossConfig): void {
  for (const [k, v] of [['steps', c.steps], ['period', c.period], ['width', c.width], ['logEvery', c.logEvery], ['trainLimit', c.trainLimit], ['testLimit', c.testLimit]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${k} must be an integer ≥ 1, got ${v}`);
  }
  if (!(c.wMax >= 1 && Number.isFinite(c.wMax))) throw new Error(`w_max must be a number ≥ 1, got ${c.wMax}`);
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) throw new Error(`learning rate must be a number > 0, got ${c.learningRate}`);
  if (c.schedule !== 'class-per-step' && c.schedule !== 'class-per-period') throw new Error(`schedule must be class-per-step or class-per-period, got '${String(c.schedule)}'`);
}

/**
 * Runs the dynamical-loss model and the cross-entropy baseline step by step on the full training
 * set, then evaluates both on the test set and writes the figures.
 */
export async function runDynamicLoss(config: DynamicLossConfig, hooks: DynamicLossHooks = {}): Promise<DynamicLossResult> {
  validateDynamicLossConfig(config);
  const log = hooks.log ?? (() => undefined);
  const ds = loadDataset(config.dataset, { dataDir: config.dataDir, limit: { train: config.trainLimit, test: config.testLimit } });
  const C = ds.numClasses;
  const [, rows, cols] = ds.imageShape;
  const N = ds.numTrain;
  const x = new Tensor(ds.trainImages, [N, rows, cols]);
  const y = new Tensor(toOneHot(ds.trainLabels, C), [N, C]);
  const schedule = createClassWeightSchedule(config.schedule, {
    numClasses: C, period: config.period, wMax: config.wMax, totalSteps: config.steps, flatEnd: config.flatEnd,
  });

  // The dynamical loss, wrapped so each step also reports the plain cross-entropy of the same
  // forward pass (a few exp per row, negligible next to the GEMMs).
  const weighted = new WeightedCrossEntropy(C);
  const plain = new SoftmaxCrossEntropy();
  let lastPlain = NaN;
  const tracked: Loss = {
    name: 'dynamical_cross_entropy',
    compute(dz, z, t, B, K) {
      lastPlain = plain.compute(null, z, t, B, K);
      return weighted.compute(dz, z, t, B, K);
    },
  };
  const dyn = buildDynamicLossModel(config.width, config.seed, [rows, cols]);
  const base = buildDynamicLossModel(config.width, config.seed, [rows, cols]);
  dyn.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: config.learningRate }, loss: tracked });
  base.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: config.learningRate }, loss: 'softmax_cross_entropy' });
  const params = dyn.countParams();
  log(`dynamical loss on ${ds.name}: full-batch SGD on ${N} training images, ${config.steps} steps, learning rate ${config.learningRate}`);
  log(`schedule ${config.schedule}: period T ${config.period}, w_max ${config.wMax}${config.schedule === 'class-per-step' ? ' (− 0.001 per step, down to 1)' : ''}${config.flatEnd ? ', last period flat' : ''}; model 784 → ${config.width} ReLU → 10 (${params} parameters), seed ${config.seed}`);

  const w = new Float32Array(C);
  const history = { weighted_loss: [] as number[], dynamic_cross_entropy: [] as number[], baseline_cross_entropy: [] as number[] };
  const logPoints: DynamicLogPoint[] = [];
  const t0 = process.hrtime.bigint();
  for (let step = 0; step < config.steps; step++) {
    weighted.setWeights(schedule.weights(w, step));
    const d = dyn.trainOnBatch(x, y);
    history.weighted_loss.push(d.loss);
    history.dynamic_cross_entropy.push(lastPlain);
    const b = base.trainOnBatch(x, y);
    history.baseline_cross_entropy.push(b.loss);
    if (step % config.logEvery === 0 || step === config.steps - 1) {
      // The seed measures accuracy after the step, on the whole training set.
      const p: DynamicLogPoint = {
        step, dynamic_loss: d.loss, dynamic_accuracy: accuracyOf(dyn, x, ds.trainLabels),
        baseline_loss: b.loss, baseline_accuracy: accuracyOf(base, x, ds.trainLabels),
      };
      logPoints.push(p);
      log(`Step ${step}, Loss: ${p.dynamic_loss.toFixed(4)}, Accuracy: ${(100 * p.dynamic_accuracy).toFixed(2)}%   |   CE baseline Loss: ${p.baseline_loss.toFixed(4)}, Accuracy: ${(100 * p.baseline_accuracy).toFixed(2)}%`);
    }
    hooks.onStep?.(step + 1, config.steps);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const xTest = new Tensor(ds.testImages, [ds.numTest, rows, cols]);
  const last = logPoints[logPoints.length - 1];
  const summarize = (m: Sequential, finalLoss: number, finalCe: number, trainAcc: number): DynamicModelSummary => {
    const out = m.predict(xTest, { batchSize: 8192 });
    const first = predictedLabels(out.sliceRows(0, Math.min(10, out.rows)));
    return { final_loss: finalLoss, final_cross_entropy: finalCe, train_accuracy: trainAcc, test_accuracy: accuracy(out, ds.testLabels), first_predictions: Array.from(first) };
  };
  const S = config.steps - 1;
  const dynamic = summarize(dyn, history.weighted_loss[S], history.dynamic_cross_entropy[S], last.dynamic_accuracy);
  const baseline = summarize(base, history.baseline_cross_entropy[S], history.baseline_cross_entropy[S], last.baseline_accuracy);
  dyn.dispose();
  base.dispose();
  log(`${seconds.toFixed(1)} s; test accuracy: dynamical ${(100 * dynamic.test_accuracy).toFixed(2)}%, CE baseline ${(100 * baseline.test_accuracy).toFixed(2)}%`);
  const firstLabels = Array.from(ds.testLabels.subarray(0, 10));

  const files: string[] = [];
  if (config.outDir !== null) {
    // Render all three figures before writing any, so a failure leaves no partial set.
    const figures = await Promise.all([
      renderSpec(lossFigure(history, config)),
      renderSpec(weightsFigure(schedule.weights.bind(schedule), C, config)),
      renderSpec(predictionsFigure(ds.testImages, firstLabels, dynamic.first_predictions, rows, cols, ds.classNames)),
    ]);
    const names = ['loss', 'weights', 'predictions'];
    for (let i = 0; i < figures.length; i++) files.push(...(await saveFigure(join(config.outDir, names[i]), figures[i])));
  }
  return { config, numTrain: N, numTest: ds.numTest, params, dynamic, baseline, log: logPoints, history, first_labels: firstLabels, seconds, files };
}

/** Training-loss curves of both models over the steps. */
function lossFigure(h: DynamicLossResult['history'], c: DynamicLossConfig): Record<string, unknown> {
  const steps = h.weighted_loss.map((_, i) => i);
  const series: LineSeries[] = [
    { name: 'dynamical: weighted loss (minimised)', x: steps, y: h.weighted_loss, color: '#4e79a7' },
    { name: 'dynamical: plain cross-entropy', x: steps, y: h.dynamic_cross_entropy, color: '#4e79a7', dash: 'dashed' },
    { name: 'cross-entropy baseline', x: steps, y: h.baseline_cross_entropy, color: '#e15759' },
  ];
  return lineChart({ title: `Training loss, full-batch GD (${c.schedule} schedule, T ${c.period}, w_max ${c.wMax})`, series, xLabel: 'training step', yLabel: 'loss', logY: true, points: false });
}

/** The class weights c_k(t) every step used, one line per class. */
function weightsFigure(weights: (out: Float32Array, step: number) => Float32Array, C: number, c: DynamicLossConfig): Record<string, unknown> {
  const w = new Float32Array(C);
  const steps = Array.from({ length: c.steps }, (_, i) => i);
  const ys: number[][] = Array.from({ length: C }, () => []);
  for (const s of steps) {
    weights(w, s);
    for (let k = 0; k < C; k++) ys[k].push(w[k]);
  }
  const series: LineSeries[] = ys.map((y, k) => ({ name: `Γ${k}`, x: steps, y }));
  return lineChart({ title: `Class weights Γ_i(t) (${c.schedule} schedule), normalised to sum ${C}`, series, xLabel: 'training step', yLabel: 'weight', points: false });
}

/** The implementation's visualisation: the first test images with true and predicted labels (wrong in red). */
function predictionsFigure(images: Float32Array, truth: number[], pred: number[], rows: number, cols: number, names: string[]): Record<string, unknown> {
  const n = truth.length;
  return imageGrid({
    title: 'Dynamical-loss model on the first test images',
    images: images.subarray(0, n * rows * cols),
    height: rows,
    width: cols,
    captions: truth.map((t, i) => `True: ${names[t]}\nPred: ${names[pred[i]]}`),
    captionColors: truth.map((t, i) => (t === pred[i] ? undefined : '#d62728')),
  });
}

/** Fraction of rows of x whose predicted class equals the label. */
function accuracyOf(m: Sequential, x: Tensor, labels: ArrayLike<number>): number {
  return accuracy(m.predict(x, { batchSize: 8192 }), labels);
}

