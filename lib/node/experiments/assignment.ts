// The DA6401 assignment as a library: train.py's configuration as a plain object, the
// feed-forward network it describes, and one function that trains it the assignment's way
// (10% of the training set held out for validation; the test set touched only at the end).

import { loadDataset, validationSplit, gatherRows, type Dataset } from '../data';
import { Dense } from '../../layers/dense';
import { Softmax } from '../../layers/softmax';
import type { ActivationName } from '../../layers/activations';
import { Sequential } from '../../model/sequential';
import type { Callbacks } from '../../model/history';
import type { History } from '../../model/history';
import { Tensor } from '../../tensor';

export const DATASETS = ['mnist', 'fashion_mnist'] as const;
export const LOSSES = ['mean_squared_error', 'cross_entropy'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'nag', 'rmsprop', 'adam', 'nadam'] as const;
export const WEIGHT_INITS = ['random', 'Xavier'] as const;
export const ACTIVATIONS = ['identity', 'sigmoid', 'tanh', 'ReLU'] as const;

/** train.py's flags, with its names. */
export interface AssignmentConfig {
  wandb_project: string;
  wandb_entity: string;
  dataset: (typeof DATASETS)[number];
  epochs: number;
  batch_size: number;
  loss: (typeof LOSSES)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  learning_rate: number;
  momentum: number;
  beta: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weight_decay: number;
  weight_init: (typeof WEIGHT_INITS)[number];
  num_layers: number;
  hidden_size: number;
  activation: (typeof ACTIVATIONS)[number];
  seed: number;
}

/**
 * The defaults: the best configuration our own search found on the validation split
 * (see README, "Choosing the defaults"). The assignment asks that train.py default to it.
 */
export const DEFAULT_CONFIG: AssignmentConfig = {
  wandb_project: 'scratchnet',
  wandb_entity: 'local',
  dataset: 'fashion_mnist',
  epochs: 30,
  batch_size: 64,
  loss: 'cross_entropy',
  optimizer: 'adam',
  learning_rate: 0.0005,
  momentum: 0.9,
  beta: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weight_decay: 0.0001,
  weight_init: 'Xavier',
  num_layers: 3,
  hidden_size: 512,
  activation: 'ReLU',
  seed: 1,
};

/**
 * The network train.py builds: num_layers hidden Dense(hidden_size, activation) layers, then
 * Dense(classes) and Softmax. With cross-entropy the softmax backward is fused (exact and cheaper).
 */
export function buildAssignmentModel(cfg: AssignmentConfig, inputSize = 784, numClasses = 10): Sequential {
  const init = cfg.weight_init === 'Xavier' ? 'xavier' : 'random';
  const act = cfg.activation.toLowerCase() as ActivationName;
  const layers = [];
  for (let i = 0; i < cfg.num_layers; i++) layers.push(new Dense({ units: cfg.hidden_size, activation: act, kernelInitializer: init, name: `hidden_${i + 1}` }));
  layers.push(new Dense({ units: numClasses, kernelInitializer: init, name: 'output' }), new Softmax('softmax'));
  const model = new Sequential(layers, { inputShape: [inputSize], seed: cfg.seed, name: 'ffnn' });
  model.compile({
    optimizer: cfg.optimizer,
    optimizerConfig: {
      learning_rate: cfg.learning_rate, momentum: cfg.momentum, beta: cfg.beta, beta1: cfg.beta1, beta2: cfg.beta2,
      epsilon: cfg.epsilon, weight_decay: cfg.weight_decay,
    },
    loss: cfg.loss,
  });
  return model;
}

/** The assignment's data: a seeded random 10% of the training set held out for validation. */
export interface AssignmentData {
  dataset: Dataset;
  xTrain: Tensor;
  yTrain: Uint8Array;
  xVal: Tensor;
  yVal: Uint8Array;
  xTest: Tensor;
  yTest: Uint8Array;
}

export interface DataOptions {
  dataDir?: string;
  /** Use only the first n training / test images (quick runs, tests). */
  limit?: { train?: number; test?: number };
  /** Fraction of the training set held out (default 0.1, as the assignment's solution). */
  validationFraction?: number;
  /** Seeds the validation split (default 1). */
  splitSeed?: number;
}

/** Loads a data set and splits off the validation rows. Train and test are never mixed. */
export function loadAssignmentData(dataset: string, opts: DataOptions = {}): AssignmentData {
  const ds = loadDataset(dataset, { dataDir: opts.dataDir, limit: opts.limit });
  const F = ds.featureSize;
  const split = validationSplit(ds.numTrain, opts.validationFraction ?? 0.1, { mode: 'random', seed: opts.splitSeed ?? 1 });
  const take = (idx: Uint32Array) => {
    const x = gatherRows(new Float32Array(idx.length * F), ds.trainImages, idx, 0, idx.length, F);
    const y = gatherRows(new Uint8Array(idx.length), ds.trainLabels, idx, 0, idx.length, 1);
    return { x: new Tensor(x, [idx.length, F]), y };
  };
  const tr = take(split.train);
  const va = take(split.validation);
  return {
    dataset: ds,
    xTrain: tr.x, yTrain: tr.y,
    xVal: va.x, yVal: va.y,
    xTest: new Tensor(ds.testImages, [ds.numTest, F]), yTest: ds.testLabels,
  };
}

export interface AssignmentResult {
  model: Sequential;
  history: History;
  test: { loss: number; accuracy: number };
  trainSeconds: number;
}

/**
 * Trains the configuration on prepared data and evaluates on the test set once, at the end.
 * model: the network to train (default: built from cfg; pass one built earlier to fail fast on a
 * bad configuration before anything is written).
 */
export function trainAssignment(cfg: AssignmentConfig, data: AssignmentData, callbacks: Callbacks[] = [],
  model: Sequential = buildAssignmentModel(cfg, data.dataset.featureSize, data.dataset.numClasses)): AssignmentResult {
  const t0 = process.hrtime.bigint();
  const history = model.fit(data.xTrain, data.yTrain, {
    epochs: cfg.epochs,
    batchSize: cfg.batch_size,
    validationData: [data.xVal, data.yVal],
    seed: cfg.seed,
    callbacks,
  });
  const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { model, history, test: model.evaluate(data.xTest, data.yTest), trainSeconds };
}
