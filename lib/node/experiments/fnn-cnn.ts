// The FNN/CNN study: a fully connected network and a small convolutional network trained on the
// same 28×28×1 images and compared. Two variants, as the study has them:
//  - 'pytorch' (default), its PyTorch rewrite with batch norm and dropout: SGD lr 0.1, weight decay
//    1e-4 on every parameter (as torch.optim.SGD), PyTorch's default initialisation of weights and
//    biases, batch 128, 10 epochs, cross-entropy on logits; the test images are the per-epoch
//    validation data (the study evaluates on them and holds nothing out);
//  - 'keras', its Keras original: tiny models with softmax outputs, SGD lr 0.1, batch 128, 5 epochs,
//    the last 10% of the training images held out (Keras's validation_split).

import { join } from 'node:path';
import { loadDataset } from '../data';
import { BatchNormalization } from '../../layers/batch-normalization';
import { Conv2D } from '../../layers/conv2d';
import { Dense } from '../../layers/dense';
import { Dropout } from '../../layers/dropout';
import { Flatten } from '../../layers/flatten';
import { WEIGHT_DECAY_ON, type Layer, type WeightDecayOn } from '../../layers/layer';
import { ReLU } from '../../layers/activations';
import { MaxPooling2D } from '../../layers/pooling';
import { Softmax } from '../../layers/softmax';
import type { Callbacks } from '../../model/history';
import { saveModel } from '../model-file';
import { Sequential } from '../../model/sequential';
import { lineChart, saveFigure, type LineSeries } from '../plot';
import { Tensor } from '../../tensor';
import { writeFileAtomic } from '../fs';
import type { ComparisonHooks, ExperimentDataConfig } from './common';

export type FnnCnnVariant = 'pytorch' | 'keras';
export type FnnCnnModelName = 'fnn' | 'cnn';
export const FNN_CNN_VARIANTS: readonly FnnCnnVariant[] = ['pytorch', 'keras'];

export interface FnnCnnConfig extends ExperimentDataConfig {
  variant: FnnCnnVariant;
  /** Which models to train, in this order. */
  models: FnnCnnModelName[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 weight decay λ of SGD. */
  weightDecay: number;
  /** Which parameters it reaches: 'all' (PyTorch's SGD, the pytorch variant) or 'kernels' (Keras). */
  weightDecayOn: WeightDecayOn;
  /** Fraction of the last training images held out; 0 = validate on the test images. */
  validationSplit: number;
  /** Folder for the figure and the table; null writes no files. */
  outDir: string | null;
  /** Save each trained model as <saveModel>/<fnn|cnn>.scratchnet. */
  saveModel?: string;
}

/** The study's recipe for each variant. */
export function fnnCnnDefaults(variant: FnnCnnVariant): Omit<FnnCnnConfig, 'seed' | 'dataset' | 'outDir' | 'models'> {
  return variant === 'pytorch'
    ? { variant, epochs: 10, batchSize: 128, learningRate: 0.1, weightDecay: 1e-4, weightDecayOn: 'all', validationSplit: 0 }
    : { variant, epochs: 5, batchSize: 128, learningRate: 0.1, weightDecay: 0, weightDecayOn: 'kernels', validationSplit: 0.1 };
}

export const DEFAULT_FNN_CNN_CONFIG: FnnCnnConfig = {
  ...fnnCnnDefaults('pytorch'),
  models: ['fnn', 'cnn'],
  seed: 1,
  dataset: 'mnist',
  outDir: 'runs/fnn-cnn',
};

export interface FnnCnnModelRun {
  model: FnnCnnModelName;
  params: number;
  /** The architecture as printed (Keras-style summary). */
  summary: string;
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  seconds: number[];
  test_loss: number;
  test_accuracy: number;
  /** Training images per second over all epochs. */
  samplesPerSecond: number;
  savedTo?: string;
}

export interface FnnCnnResult {
  config: FnnCnnConfig;
  numTrain: number;
  numValidation: number;
  numTest: number;
  runs: FnnCnnModelRun[];
  files: string[];
}

export type FnnCnnHooks = ComparisonHooks<FnnCnnModelName>;

/** The study's models for a variant, on per-sample input [H, W, 1]. */
export function buildFnnCnnModel(variant: FnnCnnVariant, which: FnnCnnModelName, seed: number, inputShape: readonly number[] = [28, 28, 1], numClasses = 10): Sequential {
  let layers: Layer[];
  if (variant === 'pytorch') {
    // PyTorch's nn.Linear / nn.Conv2d defaults: weight and bias both from U(±1/√fanIn).
    const k = { kernelInitializer: 'pytorch_uniform', biasInitializer: 'pytorch_uniform' } as const;
    layers = which === 'fnn'
      ? [
        new Flatten(), new Dense({ units: 128, ...k }), new BatchNormalization(), new ReLU(), new Dropout({ rate: 0.2 }),
        new Dense({ units: 64, ...k }), new BatchNormalization(), new ReLU(), new Dense({ units: numClasses, ...k }),
      ]
      : [
        new Conv2D({ filters: 32, kernelSize: 3, padding: 1, ...k }), new BatchNormalization(), new ReLU(), new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 64, kernelSize: 3, padding: 1, ...k }), new BatchNormalization(), new ReLU(), new MaxPooling2D({ poolSize: 2 }),
        new Flatten(), new Dense({ units: 128, ...k }), new BatchNormalization(), new ReLU(), new Dropout({ rate: 0.2 }),
        new Dense({ units: numClasses, ...k }),
      ];
  } else {
    layers = which === 'fnn'
      ? [new Flatten(), new Dense({ units: 16, activation: 'relu' }), new Dense({ units: numClasses }), new Softmax()]
      : [
        new Conv2D({ filters: 8, kernelSize: 2, activation: 'relu', padding: 'same' }),
        new Conv2D({ filters: 8, kernelSize: 2, activation: 'relu', padding: 'same' }),
        new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: numClasses }), new Softmax(),
      ];
  }
  return new Sequential(layers, { inputShape, seed, name: `${variant}_${which}` });
}

export function validateFnnCnnConfig(c: FnnCnnConfig): void {
  if (!FNN_CNN_VARIANTS.includes(c.variant)) throw new Error(`variant must be one of ${FNN_CNN_VARIANTS.join(', ')}, got '${c.variant}'`);
  if (c.models.length === 0 || c.models.some((m) => m !== 'fnn' && m !== 'cnn')) throw new Error(`models must be fnn, cnn or both, got [${c.models.join(', ')}]`);
  for (const [k, v] of [['epochs', c.epochs], ['batchSize', c.batchSize], ['trainLimit', c.trainLimit], ['testLimit', c.testLimit]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`${k} must be an integer ≥ 1, got ${v}`);
  }
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) throw new Error(`learning rate must be a number > 0, got ${c.learningRate}`);
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay))) throw new Error(`weight decay must be a number ≥ 0, got ${c.weightDecay}`);
  if (!WEIGHT_DECAY_ON.includes(c.weightDecayOn)) throw new Error(`weightDecayOn must be one of ${WEIGHT_DECAY_ON.join(', ')}, got '${c.weightDecayOn}'`);
  if (!(c.validationSplit >= 0 && c.validationSplit < 1)) throw new Error(`validation split must be in [0, 1), got ${c.validationSplit}`);
}

const LABEL: Record<FnnCnnModelName, string> = { fnn: 'FNN', cnn: 'CNN' };

/** Trains the chosen models, prints their architecture and per-epoch lines, writes the figure and table. */
export async function runFnnCnn(config: FnnCnnConfig, hooks: FnnCnnHooks = {}): Promise<FnnCnnResult> {
  validateFnnCnnConfig(config);
  const log = hooks.log ?? (() => undefined);
  const ds = loadDataset(config.dataset, { dataDir: config.dataDir, limit: { train: config.trainLimit, test: config.testLimit } });
  const side = Math.round(Math.sqrt(ds.featureSize));
  const shape = [side, side, 1];
  // Flat rows are already NHWC with one channel: only the shape changes.
  const x = new Tensor(ds.trainImages, [ds.numTrain, ...shape]);
  const xTest = new Tensor(ds.testImages, [ds.numTest, ...shape]);
  const numVal = config.validationSplit > 0 ? ds.numTrain - Math.floor(ds.numTrain * (1 - config.validationSplit)) : 0;
  const where = numVal > 0 ? `${numVal} validation (the last ${config.validationSplit * 100}%)` : 'validation = the test images (as the study, which holds nothing out)';
  log(`FNN/CNN study, ${config.variant} variant, on ${ds.name}: ${ds.numTrain - numVal} training, ${where}, ${ds.numTest} test images`);
  log(`SGD learning rate ${config.learningRate}${config.weightDecay > 0 ? `, weight decay ${config.weightDecay} on ${config.weightDecayOn === 'all' ? 'every parameter' : 'kernels only'}` : ''}, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}`);

  const runs: FnnCnnModelRun[] = [];
  for (const which of config.models) {
    const model = buildFnnCnnModel(config.variant, which, config.seed, shape, ds.numClasses);
    model.compile({
      optimizer: 'sgd',
      optimizerConfig: { learning_rate: config.learningRate, weight_decay: config.weightDecay },
      loss: config.variant === 'pytorch' ? 'softmax_cross_entropy' : 'cross_entropy',
      weightDecayOn: config.weightDecayOn,
    });
    const summary = model.summary();
    log(`\n${LABEL[which]} architecture:\n${summary}`);
    const history = model.fit(x, ds.trainLabels, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      ...(numVal > 0 ? { validationSplit: config.validationSplit } : { validationData: [xTest, ds.testLabels] }),
      seed: config.seed,
      callbacks: [...(hooks.callbacks?.(which) ?? []), {
        onEpochEnd: (e, l) => log(`${LABEL[which]} epoch ${String(e + 1).padStart(String(config.epochs).length)}/${config.epochs}  loss ${l.loss.toFixed(4)}  accuracy ${l.accuracy.toFixed(4)}  val_loss ${l.val_loss?.toFixed(4)}  val_accuracy ${l.val_accuracy?.toFixed(4)}  ${l.seconds.toFixed(1)}s`),
      }],
    });
    const h = history.history;
    const t = model.evaluate(xTest, ds.testLabels);
    const trainSeconds = h.seconds.reduce((s, v) => s + v, 0);
    const run: FnnCnnModelRun = {
      model: which, params: model.countParams(), summary, loss: h.loss, accuracy: h.accuracy, val_loss: h.val_loss, val_accuracy: h.val_accuracy,
      seconds: h.seconds, test_loss: t.loss, test_accuracy: t.accuracy, samplesPerSecond: ((ds.numTrain - numVal) * h.loss.length) / trainSeconds,
    };
    log(`${LABEL[which]}: test accuracy ${(100 * t.accuracy).toFixed(2)}% (${ds.numTest} images), test loss ${t.loss.toFixed(4)}, ${run.params} parameters, ${Math.round(run.samplesPerSecond)} training images/s`);
    if (config.saveModel) {
      run.savedTo = saveModel(model, join(config.saveModel, `${which}.scratchnet`), { experiment: 'fnn-cnn', config, classNames: ds.classNames });
      log(`${LABEL[which]} saved to ${run.savedTo}`);
    }
    model.dispose();
    runs.push(run);
  }
  const files: string[] = [];
  if (config.outDir !== null) {
    files.push(...await saveFigure(join(config.outDir, 'comparison'), comparisonFigure(runs, numVal > 0 ? 'validation' : 'test')));
    files.push(writeFileAtomic(join(config.outDir, 'results.md'), resultsTable(runs, config) + '\n'));
  }
  return { config, numTrain: ds.numTrain - numVal, numValidation: numVal, numTest: ds.numTest, runs, files };
}

/** A Markdown table: one row per model. */
export function resultsTable(runs: readonly FnnCnnModelRun[], config: FnnCnnConfig): string {
  const rows = runs.map((r) => `| ${LABEL[r.model]} (${config.variant}) | ${r.params.toLocaleString('en-US')} | ${r.loss.length} | ${r.loss[r.loss.length - 1].toFixed(4)} | ${(100 * r.test_accuracy).toFixed(2)}% | ${r.test_loss.toFixed(4)} | ${r.seconds.reduce((s, v) => s + v, 0).toFixed(1)} | ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} |`);
  return ['| model | parameters | epochs | final training loss | test accuracy | test loss | training seconds | images/s |', '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

/** Two panels per epoch: loss (training solid, held-out dashed), and validation (or test) accuracy, one line per model. */
function comparisonFigure(runs: readonly FnnCnnModelRun[], valName: string): Record<string, unknown> {
  const colors: Record<FnnCnnModelName, string> = { fnn: '#1f77b4', cnn: '#d62728' };
  const series: LineSeries[] = [];
  for (const r of runs) {
    const epochs = r.loss.map((_, i) => i + 1);
    series.push({ name: `${LABEL[r.model]} training loss`, x: epochs, y: r.loss, color: colors[r.model], panel: 'loss' });
    series.push({ name: `${LABEL[r.model]} ${valName} loss`, x: epochs, y: r.val_loss, color: colors[r.model], dash: 'dashed', panel: 'loss' });
    series.push({ name: `${LABEL[r.model]} ${valName} accuracy`, x: epochs, y: r.val_accuracy, color: colors[r.model], panel: `${valName} accuracy` });
  }
  // 'FNN vs CNN', or the one model trained (--model fnn|cnn).
  return lineChart({ title: runs.map((r) => LABEL[r.model]).join(' vs '), series, xLabel: 'epoch', logY: { loss: true }, points: true });
}
