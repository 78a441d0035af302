// Seed 002 (custom layer): MNIST digits {0, 2, 5} relabelled 0, 1, 2; model A puts the Cubic
// layer (y = x³·V − x·W + b) between dense layers, model B is a plain dense network; both trained
// with SGD (lr 0.01, batch 32, 50 epochs, the last 20% held out as Keras's validation_split), then
// compared by validation curves and by test accuracy on the test images of those three digits.

import { join } from 'node:path';
import { loadDataset, selectClasses } from '../data';
import { Cubic } from '../../layers/cubic';
import { Dense } from '../../layers/dense';
import { Softmax } from '../../layers/softmax';
import type { Callbacks } from '../../model/history';
import { Sequential } from '../../model/sequential';
import { lineChart, saveFigure, type LineSeries } from '../plot';
import { Tensor } from '../../tensor';
import type { ComparisonHooks, ExperimentDataConfig } from './common';

export interface CustomLayerConfig extends ExperimentDataConfig {
  /** The digits kept, relabelled by position (the original project's [0, 2, 5]). */
  classes: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Fraction of the LAST training rows held out, as Keras's validation_split. */
  validationSplit: number;
  /** Use only the first n training / test images BEFORE the class filter (quick runs). */
  trainLimit?: number;
  testLimit?: number;
  /** Folder for comparison.png/.svg; null writes no files. */
  outDir: string | null;
}

export const DEFAULT_CUSTOM_LAYER_CONFIG: CustomLayerConfig = {
  classes: [0, 2, 5],
  epochs: 50,
  batchSize: 32,
  learningRate: 0.01,
  validationSplit: 0.2,
  seed: 1,
  dataset: 'mnist',
  outDir: 'runs/custom-layer',
};

export interface CustomLayerModelRun {
  params: number;
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  test_loss: number;
  test_accuracy: number;
  seconds: number;
}

export interface CustomLayerResult {
  config: CustomLayerConfig;
  numTrain: number;
  numValidation: number;
  numTest: number;
  /** Model A: Dense 150 ReLU → Dense 100 ReLU → Cubic(50) → Dense 3 softmax. */
  custom: CustomLayerModelRun;
  /** Model B: Dense 100 ReLU → Dense 50 ReLU → Dense 3 softmax. */
  simple: CustomLayerModelRun;
  files: string[];
}

export type CustomLayerHooks = ComparisonHooks<'custom' | 'simple'>;

/** Model A, the original project's `model`: 784 → 150 ReLU → 100 ReLU → Cubic(50) → 3 softmax. */
export function buildCustomLayerModel(numClasses: number, seed: number, inputSize = 784): Sequential {
  return new Sequential([
    new Dense({ units: 150, activation: 'relu' }),
    new Dense({ units: 100, activation: 'relu' }),
    new Cubic({ units: 50 }),
    new Dense({ units: numClasses }),
    new Softmax(),
  ], { inputShape: [inputSize], seed });
}

/** Model B, the original project's `model2`: 784 → 100 ReLU → 50 ReLU → 3 softmax. */
export function buildSimpleModel(numClasses: number, seed: number, inputSize = 784): Sequential {
  return new Sequential([
    new Dense({ units: 100, activation: 'relu' }),
    new Dense({ units: 50, activation: 'relu' }),
    new Dense({ units: numClasses }),
    new Softmax(),
  ], { inputShape: [inputSize], seed });
}

export function validateCustomLayerConfig(c: CustomLayerConfig): void {
  for (const [k, v] of [['epochs', c.epochs], ['batchSize', c.batchSize], ['trainLimit', c.trainLimit], ['testLimit', c.testLimit]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${k} must be an integer ≥ 1, got ${v}`);
  }
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) throw new Error(`learning rate must be a number > 0, got ${c.learningRate}`);
  if (!(c.validationSplit > 0 && c.validationSplit < 1)) throw new Error(`validation split must be in (0, 1), got ${c.validationSplit}`);
  if (c.classes.length < 2) throw new Error(`classes must list at least two digits, got [${c.classes.join(', ')}]`);
}

/** Trains model A (with Cubic) and model B on the chosen digits and writes comparison.png. */
export async function runCustomLayer(config: CustomLayerConfig, hooks: CustomLayerHooks = {}): Promise<CustomLayerResult> {
  validateCustomLayerConfig(config);
  const log = hooks.log ?? (() => undefined);
  const ds = loadDataset(config.dataset, { dataDir: config.dataDir, limit: { train: config.trainLimit, test: config.testLimit } });
  for (const c of config.classes) {
    if (!(Number.isInteger(c) && c >= 0 && c < ds.numClasses)) throw new Error(`class ${c} is not a label of ${ds.name} (0..${ds.numClasses - 1})`);
  }
  const F = ds.featureSize;
  const K = config.classes.length;
  const train = selectClasses(ds.trainImages, ds.trainLabels, config.classes, F);
  const test = selectClasses(ds.testImages, ds.testLabels, config.classes, F);
  if (train.count < 2 || test.count < 1) throw new Error(`too few images of classes [${config.classes.join(', ')}]: ${train.count} training, ${test.count} test; raise the limits`);
  const x = new Tensor(train.images, [train.count, F]);
  const xTest = new Tensor(test.images, [test.count, F]);
  const numVal = train.count - Math.floor(train.count * (1 - config.validationSplit));
  log(`cubic custom layer on ${ds.name} digits {${config.classes.join(', ')}} → labels 0..${K - 1}: ${train.count - numVal} training, ${numVal} validation (last ${config.validationSplit * 100}%), ${test.count} test images`);
  log(`SGD learning rate ${config.learningRate}, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}`);

  const runs: Partial<Record<'custom' | 'simple', CustomLayerModelRun>> = {};
  for (const which of ['custom', 'simple'] as const) {
    const model = which === 'custom' ? buildCustomLayerModel(K, config.seed, F) : buildSimpleModel(K, config.seed, F);
    model.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: config.learningRate }, loss: 'cross_entropy' });
    log(`model ${which === 'custom' ? 'A (custom layer)' : 'B (simple dense)'}: ${model.countParams()} parameters\n${model.summary()}`);
    const history = model.fit(x, train.labels, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      validationSplit: config.validationSplit,
      seed: config.seed,
      callbacks: [...(hooks.callbacks?.(which) ?? []), {
        onEpochEnd: (e, l) => log(`${which === 'custom' ? 'A' : 'B'} epoch ${e + 1}/${config.epochs}  loss ${l.loss.toFixed(4)}  accuracy ${l.accuracy.toFixed(4)}  val_loss ${l.val_loss?.toFixed(4)}  val_accuracy ${l.val_accuracy?.toFixed(4)}  ${l.seconds.toFixed(1)}s`),
      }],
    });
    const h = history.history;
    const t = model.evaluate(xTest, test.labels);
    runs[which] = {
      params: model.countParams(), loss: h.loss, accuracy: h.accuracy, val_loss: h.val_loss, val_accuracy: h.val_accuracy,
      test_loss: t.loss, test_accuracy: t.accuracy, seconds: h.seconds.reduce((s, v) => s + v, 0),
    };
    model.dispose();
    log(`model ${which === 'custom' ? 'A (custom layer)' : 'B (simple dense)'}: test accuracy ${(100 * t.accuracy).toFixed(2)}% (${test.count} images), test loss ${t.loss.toFixed(4)}`);
  }
  const custom = runs.custom!;
  const simple = runs.simple!;
  const files = config.outDir === null ? [] : await saveFigure(join(config.outDir, 'comparison'), comparisonFigure(custom, simple));
  return { config, numTrain: train.count - numVal, numValidation: numVal, numTest: test.count, custom, simple, files };
}

/** The original project's figure: val_loss and val_accuracy of both models per epoch (two panels, two scales). */
function comparisonFigure(custom: CustomLayerModelRun, simple: CustomLayerModelRun): Record<string, unknown> {
  const epochs = custom.val_loss.map((_, i) => i + 1);
  const series: LineSeries[] = [
    { name: 'Custom Layer', x: epochs, y: custom.val_loss, color: '#1f77b4', panel: 'val_loss' },
    { name: 'Simple Layer', x: epochs, y: simple.val_loss, color: '#ff7f0e', panel: 'val_loss' },
    { name: 'Custom Layer', x: epochs, y: custom.val_accuracy, color: '#1f77b4', panel: 'val_accuracy' },
    { name: 'Simple Layer', x: epochs, y: simple.val_accuracy, color: '#ff7f0e', panel: 'val_accuracy' },
  ];
  return lineChart({ title: 'Comparison of Custom Layer vs. Simple Model', series, xLabel: 'epoch' });
}
