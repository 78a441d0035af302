// The demo's training loop without the worker around it: one network, its mini-batches and its running
// sums, advanced a few batches at a time. The worker (train-worker.ts) drives it between looks at its
// message queue; test/web/browser.test.ts drives the same class on Node to check the page's numbers.

import { BatchIterator, Dense, Sequential, Softmax, Tensor, getBackend, type Batch } from '../lib/web';
import type { TrainConfig } from './protocol';

/** The web MNIST subset: images (N, 784) in [0, 1], labels (N). */
export interface WebData {
  trainX: Float32Array;
  trainY: Uint8Array;
  testX: Float32Array;
  testY: Uint8Array;
}

/** The network the page asks for: hidden Dense layers, a 10-unit output, softmax; cross-entropy. */
export function buildWebModel(c: TrainConfig): Sequential {
  const layers = c.hidden.map((units, i) => new Dense({ units, activation: c.activation, name: `hidden_${i + 1}` }));
  const model = new Sequential([...layers, new Dense({ units: 10, name: 'output' }), new Softmax('softmax')], { inputShape: [784], seed: c.seed, name: 'web-mlp' });
  model.compile({ optimizer: c.optimizer, optimizerConfig: { learning_rate: c.learningRate }, loss: 'cross_entropy' });
  return model;
}

export class Trainer {
  readonly model: Sequential;
  readonly batches: BatchIterator;
  readonly count: number;
  /** Epochs finished; batches done in the current one. */
  epoch = 0;
  batch = 0;
  private it: Iterator<Batch> | null = null;
  private readonly testX: Tensor;
  private readonly views = new Map<number, [Tensor, Tensor]>();
  private readonly owned: Float32Array[] = [];
  private epochLoss = 0;
  private epochCorrect = 0;
  private epochSeen = 0;

  /** Builds the network on the backend selected now; batches live in that backend's memory. */
  constructor(readonly config: TrainConfig, private readonly data: WebData) {
    const n = Math.min(config.trainCount, data.trainY.length);
    this.count = n;
    this.model = buildWebModel(config);
    const backend = getBackend();
    this.batches = new BatchIterator(data.trainX.subarray(0, n * 784), data.trainY.subarray(0, n), {
      batchSize: config.batchSize, featureSize: 784, numClasses: 10, seed: config.seed,
      alloc: (k) => { const a = backend.alloc(k); this.owned.push(a); return a; },
    });
    this.testX = new Tensor(data.testX, [data.testY.length, 784]);
  }

  /** True between the first batch of an epoch and its end. */
  get midEpoch(): boolean {
    return this.it !== null;
  }

  /**
   * Trains up to n batches of the current epoch. Returns the mean loss and accuracy over them, how
   * many images they held, and whether the epoch's last batch was among them.
   */
  trainBatches(n: number): { loss: number; accuracy: number; seen: number; epochEnded: boolean } {
    if (!this.it) {
      this.it = this.batches.epoch()[Symbol.iterator]();
      this.batch = 0;
      this.epochLoss = this.epochCorrect = this.epochSeen = 0;
    }
    let loss = 0, correct = 0, seen = 0;
    for (let k = 0; k < n; k++) {
      const next = this.it.next();
      if (next.done) {
        this.it = null;
        break;
      }
      const b = next.value;
      let v = this.views.get(b.size);
      if (!v) this.views.set(b.size, (v = [new Tensor(b.x, [b.size, 784]), new Tensor(b.y!, [b.size, 10])]));
      const logs = this.model.trainOnBatch(v[0], v[1]);
      this.batch++;
      loss += logs.loss * b.size;
      correct += logs.correct;
      seen += b.size;
    }
    // An epoch whose batch count divides n ends with an empty call: look ahead so it ends with its last batch.
    if (this.it && this.batch === this.batches.numBatches) {
      this.it.next();
      this.it = null;
    }
    this.epochLoss += loss;
    this.epochCorrect += correct;
    this.epochSeen += seen;
    return { loss: loss / Math.max(seen, 1), accuracy: correct / Math.max(seen, 1), seen, epochEnded: this.it === null };
  }

  /** After an epoch's last batch: its mean training loss and accuracy, and the test set's. */
  endEpoch(): { epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number } {
    const test = this.model.evaluate(this.testX, this.data.testY);
    const r = { epoch: this.epoch, trainLoss: this.epochLoss / this.epochSeen, trainAccuracy: this.epochCorrect / this.epochSeen, testLoss: test.loss, testAccuracy: test.accuracy };
    this.epoch++;
    return r;
  }

  /** Frees the network's and the batches' backend memory. */
  dispose(): void {
    this.model.dispose();
    const backend = getBackend();
    for (const a of this.owned) backend.free?.(a);
    this.owned.length = 0;
  }
}
