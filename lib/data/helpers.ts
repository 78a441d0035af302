// Pure helpers that turn a loaded data set into what training consumes: one-hot targets, class subsets,
// train/validation index splits, row gathers, and a seeded mini-batch iterator that allocates nothing per batch.
//
// Sizes used below:
//   N  examples in a set      F  floats per example (featureSize: 784 for a 28x28 image)
//   C  classes                B  examples in a batch

import { Rng } from '../rng';

/** Any typed array a data set column can live in. */
export type NumericArray =
  | Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Class labels (N): integers 0..C-1 in the smallest array that holds C classes (see labelArray). */
export type Labels = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** A zeroed label array for n examples of numClasses classes: Uint8Array up to 256 classes, Uint16Array up to 65,536, else Uint32Array. */
export function labelArray(n: number, numClasses: number): Labels {
  return numClasses <= 256 ? new Uint8Array(n) : numClasses <= 65536 ? new Uint16Array(n) : new Uint32Array(n);
}

/**
 * out (N, C) = one-hot of labels (N): row i is all zeros but a 1 at column labels[i]. Returns out.
 * Throws on a label outside 0..C-1 or an out shorter than N·C.
 */
export function oneHot(out: Float32Array, labels: Readonly<ArrayLike<number>>, numClasses: number): Float32Array {
  const n = labels.length;
  if (out.length < n * numClasses) throw new Error(`oneHot: out must hold ${n}x${numClasses} = ${n * numClasses} floats, found ${out.length}`);
  out.fill(0, 0, n * numClasses);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < numClasses && Number.isInteger(c))) throw new Error(`oneHot: label ${i} is ${c}, expected an integer in 0..${numClasses - 1}`);
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** A new Float32Array (N, C) holding the one-hot encoding of labels (N). See oneHot. */
export function toOneHot(labels: Readonly<ArrayLike<number>>, numClasses: number): Float32Array {
  return oneHot(new Float32Array(labels.length * numClasses), labels, numClasses);
}

/** The examples of some classes, relabelled. */
export interface ClassSubset {
  /** (count, F), rows in their original order. */
  images: Float32Array;
  /** (count), the new labels 0..classes.length-1 (a Uint8Array up to 256 classes; see labelArray). */
  labels: Labels;
  count: number;
  /** Indices (count) of the chosen rows in the original set. */
  indices: Uint32Array;
}

/**
 * Keeps the examples whose label is in `classes` and relabels them by position in that list:
 * classes [0, 2, 5] turns labels 0, 2, 5 into 0, 1, 2. Order of examples is kept.
 * images (N, F), labels (N) → images (count, F), labels (count).
 */
export function selectClasses(
  images: Readonly<Float32Array>,
  labels: Readonly<ArrayLike<number>>,
  classes: readonly number[],
  featureSize: number,
): ClassSubset {
  const n = labels.length;
  if (images.length !== n * featureSize) {
    throw new Error(`selectClasses: images must hold ${n} labels x ${featureSize} features = ${n * featureSize} floats, found ${images.length}`);
  }
  if (classes.length === 0) throw new Error('selectClasses: classes is empty: expected at least one class');
  // newLabel[old] = position of old in classes, or -1 when the class is dropped.
  const maxClass = Math.max(...classes);
  const newLabel = new Int32Array(maxClass + 1).fill(-1);
  classes.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0) throw new Error(`selectClasses: class ${c} is not a non-negative integer`);
    if (newLabel[c] !== -1) throw new Error(`selectClasses: class ${c} is listed twice in [${classes.join(', ')}]`);
    newLabel[c] = k;
  });
  let count = 0;
  for (let i = 0; i < n; i++) if (labels[i] <= maxClass && newLabel[labels[i]] >= 0) count++;
  const indices = new Uint32Array(count);
  const outLabels = labelArray(count, classes.length);
  for (let i = 0, j = 0; i < n; i++) {
    const l = labels[i];
    if (l <= maxClass && newLabel[l] >= 0) {
      indices[j] = i;
      outLabels[j++] = newLabel[l];
    }
  }
  const outImages = new Float32Array(count * featureSize);
  gatherRows(outImages, images, indices, 0, count, featureSize);
  return { images: outImages, labels: outLabels, count, indices };
}

/** Options of validationSplit. */
export interface ValidationSplitOptions {
  /**
   * 'last' (default): the validation set is the last floor-complement of the examples, as Keras's and
   * tfjs's fit({validationSplit}) take it (split at floor(N·(1-fraction))), before any shuffling.
   * 'random': a seeded random subset of the same size.
   */
  mode?: 'last' | 'random';
  /** Seed of the Rng for mode 'random' (default 0). */
  seed?: number;
}

/** Indices into a set of N examples; each index is in exactly one of the two, each list ascending. */
export interface IndexSplit {
  train: Uint32Array;
  validation: Uint32Array;
}

/**
 * Splits indices 0..n-1 into train and validation. The validation part has n - floor(n·(1-fraction))
 * indices; fraction must be in [0, 1). Both lists are sorted ascending (in 'random' mode too, so
 * gathers walk memory forward); shuffle the train batches with BatchIterator.
 */
export function validationSplit(n: number, fraction: number, options: ValidationSplitOptions = {}): IndexSplit {
  if (!Number.isInteger(n) || n < 0) throw new Error(`validationSplit: n must be a non-negative integer, got ${n}`);
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validationSplit: fraction must be in [0, 1), got ${fraction}`);
  const mode = options.mode ?? 'last';
  const splitAt = Math.floor(n * (1 - fraction));
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (mode === 'last') return { train: all.slice(0, splitAt), validation: all.slice(splitAt) };
  if (mode !== 'random') throw new Error(`validationSplit: mode must be 'last' or 'random', got '${String(mode)}'`);
  new Rng(options.seed ?? 0).shuffle(all);
  return { train: all.slice(0, splitAt).sort(), validation: all.slice(splitAt).sort() };
}

/**
 * out (count, rowSize) = rows indices[start], ..., indices[start+count-1] of src (·, rowSize), or the
 * contiguous rows start..start+count-1 when indices is null. Converts into out's type (e.g. Uint8Array
 * labels into an Int32Array). Returns out.
 */
export function gatherRows<T extends NumericArray>(
  out: T,
  src: Readonly<NumericArray>,
  indices: Readonly<ArrayLike<number>> | null,
  start: number,
  count: number,
  rowSize: number,
): T {
  if (out.length < count * rowSize) throw new Error(`gatherRows: out must hold ${count}x${rowSize} = ${count * rowSize} values, found ${out.length}`);
  const rows = src.length / rowSize;
  const dst = out as unknown as Float32Array;
  if (indices === null) {
    if (!(start >= 0 && start + count <= rows)) throw new Error(`gatherRows: rows ${start}..${start + count - 1} are outside the ${rows} rows of src`);
    dst.set(src.subarray(start * rowSize, (start + count) * rowSize) as ArrayLike<number>);
    return out;
  }
  if (start < 0 || start + count > indices.length) throw new Error(`gatherRows: rows ${start}..${start + count - 1} are outside the ${indices.length} indices`);
  for (let k = 0; k < count; k++) {
    const r = indices[start + k];
    if (!(r >= 0 && r < rows)) throw new Error(`gatherRows: index ${r} is outside the ${rows} rows of src`);
    const s = r * rowSize;
    const o = k * rowSize;
    // Long rows: set() copies with memcpy (an element loop writing into shared wasm memory is ~4x
    // slower in V8); short rows (labels): the loop, without a view per row.
    if (rowSize >= 16) dst.set(src.subarray(s, s + rowSize) as ArrayLike<number>, o);
    else for (let j = 0; j < rowSize; j++) out[o + j] = src[s + j];
  }
  return out;
}

/** The largest batch (in floats, 16 MB) BatchIterator gathers through a staging copy; larger ones go direct. */
const MAX_STAGE = 1 << 22;

/** The batch a BatchIterator hands out: the same object every time, its fields updated. */
export interface Batch {
  /** (size, F) inputs. A view of the iterator's buffer: read it before asking for the next batch. */
  x: Float32Array;
  /** (size, C) targets when numClasses was given: one-hot rows of the labels, or rows of `targets`. Else null. */
  y: Float32Array | null;
  /** (size) class indices (unspecified when the iterator has soft `targets` instead of labels). */
  labels: Int32Array;
  /** (size) the rows of the source set this batch holds. */
  indices: Uint32Array;
  /** Examples in this batch: batchSize, or fewer for the last one. */
  size: number;
  /** 0-based number of this batch in its epoch. */
  index: number;
}

/** Options of BatchIterator. */
export interface BatchIteratorOptions {
  batchSize: number;
  /** Floats per example (784 for 28x28 images). */
  featureSize: number;
  /** Give it to get one-hot targets in batch.y (C). */
  numClasses?: number;
  /**
   * Target rows (N, numClasses), e.g. soft labels, gathered into batch.y instead of one-hot labels; then
   * labels may be null. Needs numClasses.
   */
  targets?: Readonly<Float32Array>;
  /** Shuffle the order every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the iterator's own Rng (default 0). Ignored when rng is given. */
  seed?: number;
  /** An Rng to draw the orders from (e.g. a fork of the run's Rng). */
  rng?: Rng;
  /** Restrict the iterator to these rows of the set (e.g. validationSplit's train indices). Default: all. */
  indices?: Readonly<ArrayLike<number>>;
  /**
   * Allocates the x and y batch buffers, once: pass `(n) => getBackend().alloc(n)` so batches live in
   * the backend's memory. Default `(n) => new Float32Array(n)`.
   */
  alloc?: (n: number) => Float32Array;
}

/**
 * Seeded shuffled mini-batches over images (N, F) and labels (N) (or target rows (N, C)). Buffers are
 * allocated once in the constructor and every batch is gathered into them: nothing is allocated per
 * batch. The last batch of an epoch, when N is not a multiple of B, is a shorter view made once.
 * Sequential.fit draws its batches from one.
 *
 *   const it = new BatchIterator(ds.trainImages, ds.trainLabels, { batchSize: 64, featureSize: 784, numClasses: 10, seed: 1 });
 *   for (let e = 0; e < epochs; e++) {
 *     for (const b of it.epoch()) model.trainOnBatch(new Tensor(b.x, [b.size, 784]), new Tensor(b.y!, [b.size, 10]));
 *   }
 *
 * Each epoch visits every row exactly once; the same seed gives the same orders.
 */
export class BatchIterator {
  readonly batchSize: number;
  readonly featureSize: number;
  readonly numClasses: number | null;
  /** Examples per epoch. */
  readonly count: number;
  /** Batches per epoch: ceil(count / batchSize). */
  readonly numBatches: number;
  /** The current epoch's order of source rows (count). */
  readonly order: Uint32Array;
  /** Epochs started so far. */
  epochCount = 0;

  private readonly images: Readonly<Float32Array>;
  private readonly labels: Readonly<NumericArray> | null;
  private readonly targets: Readonly<Float32Array> | null;
  private readonly shuffle: boolean;
  private readonly rng: Rng;
  private readonly full: Batch;
  private readonly last: Batch;
  private readonly labelBuf: Int32Array;
  private readonly indexBuf: Uint32Array;
  /**
   * Plain (unshared) staging copies of full.x and last.x, or null. When the x buffer lives in a
   * SharedArrayBuffer (threaded wasm memory), TypedArray.set into it takes V8's word-by-word copy for
   * shared memory, with a fixed cost per call: rows are gathered into the staging buffer, then the
   * batch crosses in one set (AMD EPYC, 128 random MNIST rows: ~106 µs row by row into shared memory,
   * ~57 µs staged).
   */
  private readonly stageFull: Float32Array | null;
  private readonly stageLast: Float32Array | null;
  private cursor = 0;
  private batchNo = 0;
  /** The reused iteration result of epoch(), so for..of allocates nothing per batch either. */
  private readonly result: IteratorResult<Batch, undefined> = { done: false, value: undefined as unknown as Batch };

  constructor(images: Readonly<Float32Array>, labels: Readonly<NumericArray> | null, options: BatchIteratorOptions) {
    const { batchSize, featureSize } = options;
    const targets = options.targets ?? null;
    if (targets && !(Number.isInteger(options.numClasses) && (options.numClasses as number) > 0)) throw new Error('BatchIterator: targets need numClasses (the columns of each target row)');
    if (!labels && !targets) throw new Error('BatchIterator: give labels, or target rows in options.targets');
    const n = labels ? labels.length : Math.floor(images.length / featureSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`BatchIterator: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(featureSize) || featureSize < 1) throw new Error(`BatchIterator: featureSize must be a positive integer, got ${featureSize}`);
    if (targets && targets.length !== n * (options.numClasses as number)) throw new Error(`BatchIterator: targets must hold ${n} rows x ${options.numClasses} classes, found ${targets.length} floats`);
    if (images.length !== n * featureSize) {
      throw new Error(`BatchIterator: images must hold ${n} ${labels ? 'labels' : 'rows'} x ${featureSize} features = ${n * featureSize} floats, found ${images.length}`);
    }
    this.images = images;
    this.labels = labels;
    this.targets = targets;
    this.batchSize = batchSize;
    this.featureSize = featureSize;
    this.numClasses = options.numClasses ?? null;
    this.shuffle = options.shuffle ?? true;
    this.rng = options.rng ?? new Rng(options.seed ?? 0);

    if (options.indices) {
      this.order = Uint32Array.from(options.indices);
      for (const r of this.order) if (r >= n) throw new Error(`BatchIterator: index ${r} is outside the ${n} examples`);
    } else {
      this.order = new Uint32Array(n);
      for (let i = 0; i < n; i++) this.order[i] = i;
    }
    this.count = this.order.length;
    this.numBatches = Math.ceil(this.count / batchSize);

    const alloc = options.alloc ?? ((k: number) => new Float32Array(k));
    const B = Math.min(batchSize, Math.max(this.count, 1));
    const x = alloc(B * featureSize);
    const y = this.numClasses === null ? null : alloc(B * this.numClasses);
    if (x.length < B * featureSize) throw new Error(`BatchIterator: alloc(${B * featureSize}) returned only ${x.length} floats`);
    this.labelBuf = new Int32Array(B);
    this.indexBuf = new Uint32Array(B);
    this.full = { x, y, labels: this.labelBuf, indices: this.indexBuf, size: B, index: 0 };
    const rem = this.count % batchSize || B;
    const shared = typeof SharedArrayBuffer !== 'undefined' && x.buffer instanceof SharedArrayBuffer;
    this.stageFull = shared && B * featureSize <= MAX_STAGE ? new Float32Array(B * featureSize) : null;
    this.stageLast = this.stageFull && (rem === B ? this.stageFull : this.stageFull.subarray(0, rem * featureSize));
    this.last = {
      x: rem === B ? x : x.subarray(0, rem * featureSize),
      y: y === null ? null : rem === B ? y : y.subarray(0, rem * (this.numClasses as number)),
      labels: rem === B ? this.labelBuf : this.labelBuf.subarray(0, rem),
      indices: rem === B ? this.indexBuf : this.indexBuf.subarray(0, rem),
      size: rem,
      index: 0,
    };
  }

  /** Starts an epoch: reshuffles the order (when shuffling) and rewinds. */
  startEpoch(): void {
    if (this.shuffle) this.rng.shuffle(this.order);
    this.cursor = 0;
    this.batchNo = 0;
    this.epochCount++;
  }

  /**
   * The next batch of the current epoch, or null when the epoch is over (call startEpoch for another).
   * The first call on a new iterator starts the first epoch.
   */
  next(): Batch | null {
    if (this.epochCount === 0) this.startEpoch();
    const remaining = this.count - this.cursor;
    if (remaining <= 0) return null;
    const b = remaining >= this.batchSize ? this.full : this.last;
    const size = b.size;
    const F = this.featureSize;
    const stage = b === this.full ? this.stageFull : this.stageLast;
    if (stage) {
      gatherRows(stage, this.images, this.order, this.cursor, size, F);
      b.x.set(stage);
    } else gatherRows(b.x, this.images, this.order, this.cursor, size, F);
    if (this.labels) {
      gatherRows(b.labels, this.labels, this.order, this.cursor, size, 1);
      if (b.y !== null) oneHot(b.y, b.labels, this.numClasses as number);
    } else if (b.y !== null && this.targets) {
      gatherRows(b.y, this.targets, this.order, this.cursor, size, this.numClasses as number);
    }
    // Copied rather than viewed: a new subarray of order per batch would be garbage.
    const idx = b.indices;
    for (let k = 0; k < size; k++) idx[k] = this.order[this.cursor + k];
    b.index = this.batchNo++;
    this.cursor += size;
    return b;
  }

  /**
   * Starts an epoch and iterates its batches: `for (const b of it.epoch())`. The iterator and its result
   * object are reused, so a for..of loop allocates nothing per batch.
   */
  epoch(): IterableIterator<Batch> {
    this.startEpoch();
    const self = this;
    const result = this.result;
    const iter: IterableIterator<Batch> = {
      next(): IteratorResult<Batch, undefined> {
        const b = self.next();
        if (b === null) return { done: true, value: undefined };
        (result as { value: Batch }).value = b;
        return result;
      },
      [Symbol.iterator]() {
        return iter;
      },
    };
    return iter;
  }
}
