// Sequential: a stack of layers trained by minibatch gradient descent. It owns the flat parameter,
// gradient and decay buffers (so an optimizer step is one loop), the batch buffers (allocated
// once, reused every batch), and the training loop that Keras users know: compile, fit, evaluate,
// predict. A custom training step plugs in through fit's `trainStep` or trainOnBatch.
// The model knows no concrete layer or loss formula: it relies on the layer contract
// (lib/layers/layer.ts) and the loss contract (lib/losses/loss.ts), and a training step is
// loss → backward → step.

import { getBackend, type Backend } from '../backend';
import { bindParams, bindState, fillDecay, type ForwardContext, type Layer, type WeightDecayOn } from '../layers/layer';
import { registeredName } from '../layers/registry';
import { createLoss, type Loss, type LossTransform } from '../losses';
import { BatchIterator, gatherRows, oneHot, type Labels } from '../data/helpers';
import { countCorrect } from '../metrics';
import { formatTable } from '../util/format';
import { findNonFinite } from '../ops';
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../optimizers';
import { Rng } from '../rng';
import { fmtShape, shapeSize, Tensor } from '../tensor';
import { TensorPool } from '../util/tensor-pool';
import { History, type BatchLogs, type Callbacks, type EpochLogs } from './history';

/** Training targets: one-hot (or soft) rows (N, C), or class labels (N) 0..C-1 (any number of classes). */
export type Targets = Tensor | Labels;

export interface SequentialOptions {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28]. Needed before build(). */
  inputShape?: readonly number[];
  /** Seeds weight initialisation (and fit's shuffling unless fit gets its own seed). Default 0. */
  seed?: number;
  name?: string;
}

export interface CompileOptions {
  /** An Optimizer, or a name ('sgd', 'momentum', 'nag', 'rmsprop', 'adam', 'nadam'). */
  optimizer: Optimizer | string;
  /** Hyperparameters when optimizer is a name. */
  optimizerConfig?: OptimizerConfig;
  /** A Loss, or a name: 'softmax_cross_entropy' (logits), 'cross_entropy', 'mean_squared_error'. */
  loss: Loss | string;
  /** Replaces each batch loss L by f(L) and scales the gradient by f'(L) (e.g. aylaTransform). */
  lossTransform?: LossTransform | null;
  /**
   * Which parameters the optimizer's weight_decay reaches. 'kernels' (default, Keras's convention):
   * each parameter's declared multiplier, so kernels decay and biases and batch norm's γ, β do not.
   * 'all': every trainable parameter, as torch.optim.SGD(model.parameters(), weight_decay=λ).
   */
  weightDecayOn?: WeightDecayOn;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Fraction of the LAST rows held out for validation, as Keras's validation_split. */
  validationSplit?: number;
  /** Explicit validation data; takes precedence over validationSplit. */
  validationData?: [Tensor, Targets];
  /** Reshuffle the training rows every epoch (default true). */
  shuffle?: boolean;
  /** Seeds the batch order; default: the model's seed. */
  seed?: number;
  callbacks?: Callbacks | Callbacks[];
  /** Replaces trainOnBatch for each batch (x (B,...), y one-hot (B,C)): a custom training step. */
  trainStep?: (x: Tensor, y: Tensor, model: Sequential) => BatchLogs;
  /** Batch size for the validation pass (default 1024; it changes speed, not results). */
  validationBatchSize?: number;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
}

export class Sequential {
  readonly layers: Layer[] = [];
  readonly name: string;
  readonly seed: number;
  inputShape: readonly number[] | null;
  /** Flat buffers, set by build(): every parameter, its gradient, its weight-decay multiplier. */
  params: Float32Array = new Float32Array(0);
  grads: Float32Array = new Float32Array(0);
  decay: Float32Array = new Float32Array(0);
  /** Every layer's non-trainable state (Layer.addState), flat: saved with the model, never optimised. */
  state: Float32Array = new Float32Array(0);
  optimizer: Optimizer | null = null;
  loss: Loss | null = null;
  lossTransform: LossTransform | null = null;
  /** Set to true (from a callback) to end fit after the current batch. */
  stopTraining = false;
  private backend: Backend = getBackend();
  private built = false;
  private disposed = false;
  /** True when the last layer ends in softmax and the loss pairs with it (Loss.computeThroughSoftmax). */
  private throughSoftmax = false;
  private readonly scratch = new TensorPool((n) => this.backend.alloc(n), (b) => this.backend.free?.(b));
  /** The layers forward and backward run: all of them, less those a previous layer fused (Layer.fuseNext). */
  private running: Layer[] = [];
  /** The most recent forward output (accuracy after a custom trainStep reads it). */
  private lastOut: Tensor | null = null;

  constructor(layers: Layer[] = [], opts: SequentialOptions = {}) {
    this.name = opts.name ?? 'sequential';
    this.seed = opts.seed ?? 0;
    this.inputShape = opts.inputShape ? [...opts.inputShape] : null;
    for (const l of layers) this.add(l);
  }

  /**
   * Appends a layer (before build). A layer belongs to one model: one that is already built, already
   * in this model, or in another model is refused (its weights would be shared or silently replaced).
   */
  add(layer: Layer): this {
    if (this.built) throw new Error(`cannot add layer ${layer.name}: model ${this.name} is already built`);
    if (this.layers.includes(layer)) throw new Error(`layer ${layer.name} is already in model ${this.name}: a layer can appear once (create another layer for a second copy)`);
    layer.attachTo(this, this.name);
    this.layers.push(layer);
    return this;
  }

  /**
   * Builds every layer for the input shape, binds all parameters to one flat buffer and
   * initialises them from Rng(seed). Called by compile/fit when needed.
   */
  build(inputShape: readonly number[] | null = this.inputShape): this {
    if (this.built) return this;
    if (this.disposed) throw new Error(`model ${this.name} was disposed; its weights are gone (save before disposing, load into a new model)`);
    if (!inputShape) throw new Error(`model ${this.name} needs an inputShape (per-sample, e.g. [784]) to build`);
    if (this.layers.length === 0) throw new Error(`model ${this.name} has no layers`);
    this.inputShape = [...inputShape];
    this.backend = getBackend();
    let shape: readonly number[] = inputShape;
    for (const l of this.layers) shape = l.build(shape, this.backend);
    const bound = bindParams(this.layers, this.backend, new Rng(this.seed));
    this.params = bound.params;
    this.grads = bound.grads;
    this.decay = bound.decay;
    this.state = bindState(this.layers, this.backend);
    // Randomness inside layers (dropout masks) follows the model's seed, one stream per layer.
    this.layers.forEach((l, i) => l.setSeed((this.seed + 0x9e3779b9 * (i + 1)) >>> 0));
    this.running = [];
    for (let i = 0; i < this.layers.length; i++) {
      this.running.push(this.layers[i]);
      if (i + 1 < this.layers.length && this.layers[i].fuseNext(this.layers[i + 1])) i++;
    }
    // Nobody needs dL/d(data): skip dx up to and including the first layer with parameters.
    for (const l of this.layers) {
      l.needsInputGrad = false;
      if (l.params.length > 0) break;
    }
    this.built = true;
    return this;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  /**
   * Frees the memory this model holds in the backend (parameters, gradients, decay multipliers, every
   * layer's activation buffers, the batch buffers, the optimizer's slots): wasm memory is not garbage
   * collected, so a program that trains model after model should dispose each one it is done with.
   * Afterwards the model refuses to run; arrays it returned before (predict's output, params views) must
   * not be used. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.built) {
      const free = (b: Float32Array): void => this.backend.free?.(b);
      free(this.params);
      free(this.grads);
      free(this.decay);
      free(this.state);
      for (const l of this.layers) l.dispose();
      this.scratch.dispose();
      this.optimizer?.dispose?.();
    }
    this.params = this.grads = this.decay = this.state = new Float32Array(0);
    this.lastOut = null;
    this.built = false;
    this.disposed = true;
  }

  /** Per-sample output shape. */
  get outputShape(): readonly number[] {
    this.build();
    return this.layers[this.layers.length - 1].outputShape;
  }

  /**
   * Sets the optimizer and the loss (and an optional loss transform). A loss that applies softmax
   * itself (softmax_cross_entropy, on logits) is refused for a model whose last layer already ends in
   * softmax; a loss that pairs with a final softmax (cross-entropy on probabilities) gets to hand
   * backward the gradient at the softmax's input.
   */
  compile(opts: CompileOptions): this {
    this.build();
    const loss = createLoss(opts.loss);
    const last = this.layers[this.layers.length - 1];
    if (loss.input === 'logits' && last.endsInSoftmax) {
      throw new Error(`loss '${loss.name}' applies softmax to the model's output itself, but the last layer ${last.name} already ends in softmax, so softmax would be applied twice: use loss 'categorical_crossentropy' (alias 'cross_entropy') on the probabilities, or end the model in logits (no final softmax)`);
    }
    fillDecay(this.decay, this.layers, opts.weightDecayOn ?? 'kernels');
    this.optimizer = typeof opts.optimizer === 'string' ? createOptimizer(opts.optimizer, opts.optimizerConfig ?? {}) : opts.optimizer;
    this.loss = loss;
    this.optimizer.useBackend?.(this.backend);
    this.lossTransform = opts.lossTransform ?? null;
    this.throughSoftmax = last.endsInSoftmax && loss.computeThroughSoftmax !== undefined;
    return this;
  }

  /**
   * x (B, ...inputShape) → output (B, ...outputShape). The result is the last layer's reused buffer:
   * it holds this batch's output until the next forward with the same batch size overwrites it (memory
   * it views is never handed to anything else while the model lives). To keep it, copy it, or use
   * predict, whose result the caller owns.
   */
  forward(x: Tensor, ctx: ForwardContext = { training: false }): Tensor {
    this.build();
    let h = x;
    for (const l of this.running) h = l.forward(h, ctx);
    this.lastOut = h;
    return h;
  }

  /**
   * Back-propagates dOut = dL/d(output) through every layer, last to first, adding into the gradients.
   * With fromLogits, dOut is dL/dz for a last layer that ends in softmax (z the softmax's input), as a
   * loss's computeThroughSoftmax gives it: the softmax backward is then skipped.
   */
  backward(dOut: Tensor, opts: { fromLogits?: boolean } = {}): Tensor {
    const layers = this.running;
    const n = layers.length;
    let d = opts.fromLogits ? layers[n - 1].backwardFromLogits(dOut) : layers[n - 1].backward(dOut);
    for (let i = n - 2; i >= 0; i--) d = layers[i].backward(d);
    return d;
  }

  /**
   * One training step on a batch: (look-ahead,) forward, loss, backward, optimizer step.
   * x (B, ...inputShape), y (B, C) one-hot. Returns the (transformed) loss and the gradient norm.
   */
  trainOnBatch(x: Tensor, y: Tensor): BatchLogs & { correct: number } {
    const { optimizer, loss } = this.requireCompiled();
    const B = x.rows;
    optimizer.lookahead?.(this.params);
    this.backend.stepKernels.zero(this.grads);
    const out = this.forward(x, { training: true });
    const C = out.cols;
    this.checkTargets(y, B, C);
    const dOut = this.scratchTensor('dOut', B, [C]);
    // The loss writes the gradient backward starts from: dL/d(output), or, paired with a final
    // softmax, dL/d(the softmax's input).
    let value = this.throughSoftmax
      ? loss.computeThroughSoftmax!(dOut.data, out.data, y.data, B, C)
      : loss.compute(dOut.data, out.data, y.data, B, C);
    if (this.lossTransform) {
      const t = this.lossTransform(value);
      value = t.value;
      for (let i = 0; i < B * C; i++) dOut.data[i] *= t.scale;
    }
    if (!Number.isFinite(value)) throw new DivergenceError(value, optimizer);
    this.backward(dOut, { fromLogits: this.throughSoftmax });
    const gradNorm = Math.sqrt(this.backend.stepKernels.sumSquares(this.grads));
    optimizer.step(this.params, this.grads, this.decay);
    return { loss: value, size: B, gradNorm, correct: countCorrect(out.data, y.data, B, C) };
  }

  /** Trains for `epochs` over x, y; returns the per-epoch History. */
  fit(x: Tensor, y: Targets, opts: FitOptions = {}): History {
    this.requireCompiled();
    const epochs = opts.epochs ?? 1;
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be an integer ≥ 1, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be an integer ≥ 1, got ${batchSize}`);
    const C = shapeSize(this.outputShape);
    this.checkData(x, y, C, 'x');

    // The validation rows: explicit data, or the last fraction of x (never shuffled in).
    let trainRows = x.rows;
    let val: [Tensor, Targets] | null = opts.validationData ?? null;
    if (!val && opts.validationSplit !== undefined && opts.validationSplit !== 0) {
      const f = opts.validationSplit;
      if (!(f > 0 && f < 1)) throw new Error(`validationSplit must be in (0, 1), got ${f}`);
      trainRows = Math.floor(x.rows * (1 - f));
      if (trainRows < 1 || trainRows === x.rows) throw new Error(`validationSplit ${f} of ${x.rows} rows leaves no training or no validation rows`);
      val = [x.sliceRows(trainRows, x.rows), y instanceof Tensor ? y.sliceRows(trainRows, x.rows) : y.subarray(trainRows)];
    }
    if (val) this.checkData(val[0], val[1], C, 'validation x');

    const callbacks = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
    const inSize = shapeSize(this.inputShape!);
    // Batches gathered into model-owned buffers in backend memory (reused by every fit of this model).
    const bufferKeys = ['fit_x', 'fit_y'];
    let k = 0;
    const batchesOf = new BatchIterator(x.data.subarray(0, trainRows * inSize), y instanceof Tensor ? null : y.subarray(0, trainRows), {
      batchSize,
      featureSize: inSize,
      numClasses: C,
      targets: y instanceof Tensor ? y.data.subarray(0, trainRows * C) : undefined,
      shuffle: opts.shuffle ?? true,
      rng: new Rng(opts.seed ?? this.seed),
      alloc: (n) => this.scratch.get(bufferKeys[k++], n, []).data,
    });
    // A Tensor over each of the iterator's two batch views (full batches, the shorter last one), made once.
    const tensors = new Map<Float32Array, Tensor>();
    const tensorOf = (data: Float32Array, rows: number, shape: readonly number[]): Tensor => {
      let t = tensors.get(data);
      if (!t) tensors.set(data, (t = new Tensor(data, [rows, ...shape])));
      return t;
    };
    const batches = batchesOf.numBatches;
    const history = new History();
    const step = opts.trainStep ?? ((xb: Tensor, yb: Tensor) => this.trainOnBatch(xb, yb));
    this.stopTraining = false;
    let globalStep = 0;

    for (const cb of callbacks) cb.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs && !this.stopTraining; epoch++) {
      for (const cb of callbacks) cb.onEpochBegin?.(epoch);
      batchesOf.startEpoch();
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let normSum = 0;
      let done = 0;
      for (let batch = batchesOf.next(); batch !== null && !this.stopTraining; batch = batchesOf.next()) {
        const b = batch.index;
        const B = batch.size;
        const xb = tensorOf(batch.x, B, this.inputShape!);
        const yb = tensorOf(batch.y as Float32Array, B, [C]);
        for (const cb of callbacks) cb.onBatchBegin?.(b, { epoch, step: globalStep, batches });
        let logs: BatchLogs;
        try {
          logs = step(xb, yb, this);
        } catch (err) {
          // Say where it happened; trainOnBatch alone cannot know the epoch.
          if (err instanceof DivergenceError) throw new DivergenceError(err.value, this.optimizer!, epoch, b);
          throw err;
        }
        if (!Number.isFinite(logs.loss)) throw new DivergenceError(logs.loss, this.optimizer!, epoch, b);
        lossSum += logs.loss * B;
        seen += B;
        normSum += logs.gradNorm;
        done++;
        correct += 'correct' in logs && typeof logs.correct === 'number' ? logs.correct : countCorrect(this.lastOutput().data, yb.data, B, C);
        globalStep++;
        for (const cb of callbacks) cb.onBatchEnd?.(b, logs);
      }
      const seconds = (performance.now() - t0) / 1e3;
      const logs: EpochLogs = { loss: lossSum / seen, accuracy: correct / seen, grad_norm: normSum / Math.max(done, 1), seconds };
      if (val) {
        const v = this.evaluate(val[0], val[1], { batchSize: opts.validationBatchSize ?? 1024 });
        logs.val_loss = v.loss;
        logs.val_accuracy = v.accuracy;
      }
      history.record(epoch, logs);
      for (const cb of callbacks) cb.onEpochEnd?.(epoch, logs);
    }
    for (const cb of callbacks) cb.onTrainEnd?.(history);
    return history;
  }

  /** Mean loss (untransformed) and accuracy over x, y, in batches. */
  evaluate(x: Tensor, y: Targets, opts: { batchSize?: number } = {}): EvaluateResult {
    const { loss } = this.requireCompiled();
    const C = shapeSize(this.outputShape);
    this.checkData(x, y, C, 'x');
    const batchSize = opts.batchSize ?? 1024;
    const inSize = shapeSize(this.inputShape!);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < x.rows; start += batchSize) {
      const B = Math.min(batchSize, x.rows - start);
      const xb = this.scratchTensor('xe', B, this.inputShape!);
      const yb = this.scratchTensor('ye', B, [C]);
      gatherRows(xb.data, x.data, null, start, B, inSize);
      if (y instanceof Tensor) gatherRows(yb.data, y.data, null, start, B, C);
      else oneHot(yb.data, y.subarray(start, start + B), C);
      const out = this.forward(xb, { training: false });
      lossSum += loss.compute(null, out.data, yb.data, B, C) * B;
      correct += countCorrect(out.data, yb.data, B, C);
    }
    return { loss: lossSum / x.rows, accuracy: correct / x.rows };
  }

  /** The model's output for every row of x, as a new (N, ...outputShape) Tensor. */
  predict(x: Tensor, opts: { batchSize?: number } = {}): Tensor {
    this.build();
    const inSize = shapeSize(this.inputShape!);
    if (x.cols !== inSize) throw new Error(`model ${this.name} expects input (batch, ${this.inputShape!.join(', ')}), got ${fmtShape(x.shape)}`);
    const bad = findNonFinite(x.data);
    if (bad) throw new Error(`input contains ${bad.value} at row ${Math.floor(bad.index / inSize)}, column ${bad.index % inSize}: expected finite numbers`);
    const outSize = shapeSize(this.outputShape);
    const result = new Float32Array(x.rows * outSize);
    const batchSize = opts.batchSize ?? 1024;
    for (let start = 0; start < x.rows; start += batchSize) {
      const B = Math.min(batchSize, x.rows - start);
      const xb = this.scratchTensor('xe', B, this.inputShape!);
      gatherRows(xb.data, x.data, null, start, B, inSize);
      const out = this.forward(xb, { training: false });
      result.set(out.data.subarray(0, B * outSize), start * outSize);
    }
    return new Tensor(result, [x.rows, ...this.outputShape]);
  }

  /** Number of trainable values. */
  countParams(): number {
    this.build();
    return this.params.length;
  }

  /** A Keras-style table of layers, output shapes and parameter counts. */
  summary(): string {
    this.build();
    const rows = this.layers.map((l) => [`${l.name} (${registeredName(l) ?? l.constructor.name})`, `(None, ${l.outputShape.join(', ')})`, String(l.countParams())]);
    return `${formatTable(['Layer (type)', 'Output shape', 'Param #'], rows, { align: ['left', 'left', 'right'] })}\nTotal params: ${this.countParams()}`;
  }

  private requireCompiled(): { optimizer: Optimizer; loss: Loss } {
    if (!this.optimizer || !this.loss) throw new Error(`model ${this.name} is not compiled: call compile({ optimizer, loss }) first`);
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /** The most recent forward output (for accuracy after a custom trainStep). */
  private lastOutput(): Tensor {
    if (!this.lastOut) throw new Error('a custom trainStep must run a forward pass (or return `correct`)');
    return this.lastOut;
  }

  /** A model-owned reusable Tensor (B, ...shape) in backend memory. */
  private scratchTensor(key: string, batch: number, shape: readonly number[]): Tensor {
    return this.scratch.get(key, batch, shape);
  }

  private checkTargets(y: Tensor, B: number, C: number): void {
    if (y.rows !== B || y.cols !== C) throw new Error(`targets must be (${B}, ${C}) one-hot rows for this batch, got ${fmtShape(y.shape)}`);
  }

  /** Validates x (N, ...inputShape) and y (N labels or N×C rows), and that x is finite. */
  private checkData(x: Tensor, y: Targets, C: number, what: string): void {
    const inSize = shapeSize(this.inputShape!);
    if (x.shape.length < 2 || x.cols !== inSize) throw new Error(`${what} must be (N, ${this.inputShape!.join(', ')}) for model ${this.name}, got ${fmtShape(x.shape)}`);
    const bad = findNonFinite(x.data);
    if (bad) throw new Error(`${what} contains ${bad.value} at row ${Math.floor(bad.index / inSize)}, column ${bad.index % inSize}: expected finite numbers`);
    if (y instanceof Tensor) {
      if (y.rows !== x.rows || y.cols !== C) throw new Error(`targets must be (${x.rows}, ${C}) to match ${what} ${fmtShape(x.shape)} and the model's ${C} outputs, got ${fmtShape(y.shape)}`);
      const badY = findNonFinite(y.data);
      if (badY) throw new Error(`targets contain ${badY.value} at row ${Math.floor(badY.index / C)}: expected finite numbers`);
    } else {
      if (y.length !== x.rows) throw new Error(`labels must have ${x.rows} entries to match ${what} ${fmtShape(x.shape)}, got ${y.length}`);
      for (let i = 0; i < y.length; i++) {
        if (!(y[i] >= 0 && y[i] < C)) throw new Error(`label ${y[i]} at row ${i} is out of range: the model has ${C} outputs (classes 0..${C - 1})`);
      }
    }
  }
}

/** Thrown when a training loss stops being a finite number. */
export class DivergenceError extends Error {
  constructor(readonly value: number, optimizer: Optimizer, epoch?: number, batch?: number) {
    const where = epoch === undefined ? '' : ` at epoch ${epoch + 1}, batch ${(batch ?? 0) + 1}`;
    const lr = optimizer.getConfig().learning_rate;
    super(`training diverged: the loss became ${value}${where}; try a smaller learning rate${lr === undefined ? '' : ` (learning_rate was ${lr})`}`);
    this.name = 'DivergenceError';
  }
}
