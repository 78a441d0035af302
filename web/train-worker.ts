// The demo's training worker: loads the web MNIST subset, builds the network the page asked for and
// trains it batch by batch, reporting progress; between groups of batches it yields to its message
// queue so Stop is heard mid-epoch. The page's main thread never trains, so it stays responsive.

import { BatchIterator, Dense, Sequential, Softmax, Tensor, fetchIdx, getBackend, modelToBytes } from '../lib/web';
import type { FromWorker, ToWorker, TrainConfig } from './protocol';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

/** Batches trained between two looks at the message queue (and between progress reports). */
const REPORT_EVERY = 10;

interface WebData {
  trainX: Float32Array;
  trainY: Uint8Array;
  testX: Tensor;
  testY: Uint8Array;
}
let data: Promise<WebData> | null = null;

async function loadData(): Promise<WebData> {
  const url = (name: string): URL => new URL(`data/mnist-web-${name}.idx.gz`, scope.location.href);
  const [tx, ty, vx, vy] = await Promise.all(['train-images', 'train-labels', 'test-images', 'test-labels'].map((n) => fetchIdx(url(n))));
  const floats = (a: ArrayLike<number>): Float32Array => Float32Array.from(a, (v) => v / 255);
  return { trainX: floats(tx.data), trainY: tx.dims[0] === ty.dims[0] ? (ty.data as Uint8Array) : fail('labels'), testX: new Tensor(floats(vx.data), [vx.dims[0], 784]), testY: vy.data as Uint8Array };
}
function fail(what: string): never {
  throw new Error(`the web MNIST subset's ${what} do not match its images`);
}

interface Run {
  model: Sequential;
  config: TrainConfig;
  batches: BatchIterator;
  epoch: number;
  /** Batches done in the current epoch. */
  batch: number;
  lastEpoch: number;
  it: Iterator<{ x: Float32Array; y: Float32Array | null; size: number; index: number }> | null;
  stop: boolean;
  running: boolean;
}
let run: Run | null = null;

function buildModel(c: TrainConfig): Sequential {
  const layers = c.hidden.map((units, i) => new Dense({ units, activation: c.activation, kernelInitializer: 'glorot_uniform', name: `hidden_${i + 1}` }));
  const model = new Sequential([...layers, new Dense({ units: 10, name: 'output' }), new Softmax('softmax')], { inputShape: [784], seed: c.seed, name: 'web-mlp' });
  model.compile({ optimizer: c.optimizer, optimizerConfig: { learning_rate: c.learningRate }, loss: 'cross_entropy' });
  return model;
}

function sendWeights(model: Sequential): void {
  const first = model.layers[0] as Dense;
  const kernel = Float32Array.from(first.kernel.value);
  post({ type: 'weights', kernel, inputs: 784, units: first.units }, [kernel.buffer]);
}

const tensors = new Map<string, Tensor>();
function view(data: Float32Array, rows: number, cols: number): Tensor {
  const key = `${data.byteOffset}:${rows}:${cols}`;
  let t = tensors.get(key);
  if (!t || t.data !== data) tensors.set(key, (t = new Tensor(data, [rows, cols])));
  return t;
}

/** Trains until the run's last epoch or a stop, yielding every REPORT_EVERY batches. */
async function train(r: Run): Promise<void> {
  const d = await data!;
  r.running = true;
  let lossSum = 0, correct = 0, seen = 0, since = performance.now();
  let epochLoss = 0, epochCorrect = 0, epochSeen = 0, epochStart = performance.now();
  while (r.epoch < r.lastEpoch) {
    if (!r.it) {
      r.it = r.batches.epoch()[Symbol.iterator]();
      r.batch = 0;
      epochLoss = epochCorrect = epochSeen = 0;
      epochStart = performance.now();
    }
    for (let k = 0; k < REPORT_EVERY; k++) {
      const next = r.it.next();
      if (next.done) {
        r.it = null;
        break;
      }
      const b = next.value;
      r.batch++;
      const logs = r.model.trainOnBatch(view(b.x, b.size, 784), view(b.y!, b.size, 10));
      lossSum += logs.loss * b.size; correct += logs.correct; seen += b.size;
      epochLoss += logs.loss * b.size; epochCorrect += logs.correct; epochSeen += b.size;
    }
    const now = performance.now();
    if (seen > 0) {
      post({ type: 'progress', epoch: r.epoch, batch: r.batch, batches: r.batches.numBatches, loss: lossSum / seen, accuracy: correct / seen, samplesPerSecond: (seen / (now - since)) * 1000 });
    }
    lossSum = correct = seen = 0;
    since = now;
    if (!r.it) {
      const seconds = (performance.now() - epochStart) / 1000;
      const test = r.model.evaluate(d.testX, d.testY);
      post({ type: 'epoch', epoch: r.epoch, trainLoss: epochLoss / epochSeen, trainAccuracy: epochCorrect / epochSeen, testLoss: test.loss, testAccuracy: test.accuracy, seconds, samplesPerSecond: epochSeen / seconds });
      sendWeights(r.model);
      r.epoch++;
    }
    // Let Stop (and pings) in before the next group of batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (r.stop) break;
  }
  r.running = false;
  const bytes = modelToBytes(r.model, { trainedIn: 'browser', config: r.config });
  post({ type: 'model', bytes }, [bytes.buffer]);
  if (r.stop) post({ type: 'paused', epoch: r.epoch, batch: r.batch });
  else post({ type: 'done', epochs: r.epoch });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'ping':
      post({ type: 'pong', id: msg.id });
      return;
    case 'start': {
      if (run?.running) { run.stop = true; }
      data ??= loadData();
      const d = await data;
      const c = msg.config;
      const n = Math.min(c.trainCount, d.trainY.length);
      const model = buildModel(c);
      const batches = new BatchIterator(d.trainX.subarray(0, n * 784), d.trainY.subarray(0, n), { batchSize: c.batchSize, featureSize: 784, numClasses: 10, seed: c.seed });
      run = { model, config: c, batches, epoch: 0, batch: 0, lastEpoch: c.epochs, it: null, stop: false, running: false };
      post({ type: 'ready', train: n, test: d.testY.length, params: model.countParams(), backend: getBackend().name });
      sendWeights(model);
      await train(run);
      return;
    }
    case 'stop':
      if (run) run.stop = true;
      return;
    case 'continue':
      if (!run || run.running) return;
      run.stop = false;
      run.lastEpoch = run.epoch + msg.epochs; // an epoch stopped half-way counts as one of them
      await train(run);
      return;
  }
}

scope.onmessage = (ev) => {
  handle(ev.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
};
