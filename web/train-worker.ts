// The demo's training worker: loads the web MNIST subset and the wasm backend, then drives a Trainer
// (trainer.ts) a few batches at a time, reporting progress; between groups of batches it yields to its
// message queue so Stop is heard mid-epoch. The page's main thread never trains, so it stays responsive.

import { fetchIdx, getBackend, loadWasmBackendFromUrl, canUseWasmThreads, modelToBytes, setBackend, type WasmBackend } from '../lib/web';
import type { FromWorker, ToWorker, TrainConfig } from './protocol';
import { Trainer, type WebData } from './trainer';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);

/** Batches trained between two looks at the message queue (and between progress reports). */
const REPORT_EVERY = 10;

let data: Promise<WebData> | null = null;
let wasm: Promise<WasmBackend | Error> | null = null;

async function loadData(): Promise<WebData> {
  const url = (name: string): URL => new URL(`data/mnist-web-${name}.idx.gz`, scope.location.href);
  const [tx, ty, vx, vy] = await Promise.all(['train-images', 'train-labels', 'test-images', 'test-labels'].map((n) => fetchIdx(url(n))));
  if (tx.dims[0] !== ty.dims[0] || vx.dims[0] !== vy.dims[0]) throw new Error('the web MNIST subset\'s labels do not match its images');
  const floats = (a: ArrayLike<number>): Float32Array => Float32Array.from(a, (v) => v / 255);
  return { trainX: floats(tx.data), trainY: ty.data as Uint8Array, testX: floats(vx.data), testY: vy.data as Uint8Array };
}

/**
 * Selects the backend the config asks for; says what it got. wasm: shared memory on a cross-origin
 * isolated page (2 threads possible), else the unshared build on one thread.
 */
async function selectBackend(c: TrainConfig): Promise<{ name: string; threads: boolean; shared: boolean; note?: string }> {
  if (c.backend === 'reference') {
    setBackend('reference');
    return { name: 'reference', threads: false, shared: false };
  }
  wasm ??= loadWasmBackendFromUrl(new URL('./', scope.location.href)).catch((e: Error) => e);
  const b = await wasm;
  if (b instanceof Error) {
    setBackend('reference');
    return { name: 'reference', threads: false, shared: false, note: b.message };
  }
  b.options.threads = c.backend === 'wasm-threads' && canUseWasmThreads();
  setBackend('wasm');
  const note = c.backend === 'wasm-threads' && !b.options.threads ? 'one thread: this page is not cross-origin isolated' : undefined;
  return { name: 'wasm', threads: b.options.threads, shared: b.shared, note };
}

interface Run {
  trainer: Trainer;
  lastEpoch: number;
  stop: boolean;
  running: boolean;
}
let run: Run | null = null;

function sendWeights(t: Trainer): void {
  const first = t.model.layers[0] as unknown as { kernel: { value: Float32Array }; units: number };
  const kernel = Float32Array.from(first.kernel.value);
  post({ type: 'weights', kernel, inputs: 784, units: first.units }, [kernel.buffer]);
}

/** The wasm helper's counters when the run started: each epoch reports what this run added. */
let statsAtStart = { worker: 0, stolen: 0 };
function threadStats(): { worker: number; stolen: number } | undefined {
  const b = getBackend() as Partial<WasmBackend>;
  return b.threadStats ? { worker: b.threadStats.worker - statsAtStart.worker, stolen: b.threadStats.stolen - statsAtStart.stolen } : undefined;
}

/** Trains until the run's last epoch or a stop, yielding every REPORT_EVERY batches. */
async function train(r: Run): Promise<void> {
  const t = r.trainer;
  r.running = true;
  let epochStart = performance.now();
  let since = performance.now();
  while (t.epoch < r.lastEpoch) {
    if (!t.midEpoch) epochStart = performance.now();
    const p = t.trainBatches(REPORT_EVERY);
    const now = performance.now();
    if (p.seen > 0) {
      post({ type: 'progress', epoch: t.epoch, batch: t.batch, batches: t.batches.numBatches, loss: p.loss, accuracy: p.accuracy, samplesPerSecond: (p.seen / (now - since)) * 1000 });
    }
    if (p.epochEnded) {
      const seconds = (now - epochStart) / 1000;
      const e = t.endEpoch();
      post({ type: 'epoch', ...e, seconds, samplesPerSecond: t.count / seconds, threadStats: threadStats() });
      sendWeights(t);
    }
    // Let Stop (and pings) in before the next group of batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
    since = performance.now();
    if (r.stop) break;
  }
  r.running = false;
  const bytes = modelToBytes(t.model, { trainedIn: 'browser', config: t.config });
  post({ type: 'model', bytes }, [bytes.buffer]);
  if (r.stop) post({ type: 'paused', epoch: t.epoch, batch: t.batch });
  else post({ type: 'done', epochs: t.epoch });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'ping':
      post({ type: 'pong', id: msg.id });
      return;
    case 'start': {
      if (run?.running) return; // the page disables Train while a run is going
      data ??= loadData();
      const d = await data;
      run?.trainer.dispose();
      const backend = await selectBackend(msg.config);
      const trainer = new Trainer(msg.config, d);
      statsAtStart = { worker: 0, stolen: 0 };
      statsAtStart = threadStats() ?? statsAtStart;
      run = { trainer, lastEpoch: msg.config.epochs, stop: false, running: false };
      post({ type: 'ready', train: trainer.count, test: d.testY.length, params: trainer.model.countParams(), ...backend });
      sendWeights(trainer);
      await train(run);
      return;
    }
    case 'stop':
      if (run) run.stop = true;
      return;
    case 'continue':
      if (!run || run.running) return;
      run.stop = false;
      run.lastEpoch = run.trainer.epoch + msg.epochs; // an epoch stopped half-way counts as one of them
      await train(run);
      return;
  }
}

scope.onmessage = (ev) => {
  handle(ev.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
};
