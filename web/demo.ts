// The demo page: draw a digit and watch a model trained by the CLI classify it as you draw (on this,
// the main thread, on the wasm backend with its image kernels: one forward pass per frame is cheap);
// train a network of your own in a Web Worker (web/train-worker.ts) with live curves and first-layer
// weights; switch the pad to the model you trained.

import { Sequential, Tensor, canShareWasmMemory, fetchModel, getBackend, loadWasmBackendFromUrl, mnistPreprocess, modelFromBytes, type WasmBackend } from '../lib/web';
import { grayImage, lineChart, probabilityBars, weightTiles } from './charts';
import type { FromWorker, ToWorker, TrainConfig } from './protocol';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true })!;
const preview = $<HTMLCanvasElement>('preview');
const probsEl = $('probs');
const status = $('train-status');

/** What the page knows, for a person and for the browser tests. */
type Which = 'cnn' | 'mlp' | 'trained';
const state = {
  models: { cnn: null, mlp: null, trained: null } as Record<Which, Sequential | null>,
  use: 'cnn' as Which,
  probabilities: [] as number[],
  /** The 28×28 image the last classification saw (after preprocessing). */
  lastInput: [] as number[],
  predictMs: [] as number[],
  loss: [] as number[],
  trainAccuracy: [] as number[],
  lossX: [] as number[],
  testAccuracy: [] as number[],
  epochs: [] as Extract<FromWorker, { type: 'epoch' }>[],
  /** What the pad's models compute on (this thread): backend, shared memory, wasm image kernels; why not wasm. */
  drawing: null as { name: string; shared: boolean; imageKernels: boolean; note?: string } | null,
  /** What the worker's run got: backend name, threads, and why not wasm if it asked for it. */
  run: null as Extract<FromWorker, { type: 'ready' }> | null,
  progress: null as FromWorker | null,
  training: false,
  errors: [] as string[],
  weightsDrawn: 0,
  /** The model trained here, as the bytes of a model file. */
  trainedBytes: null as Uint8Array | null,
};

// ---- the drawing pad ----
const input = new Float32Array(784);
const ink = new Float32Array(pad.width * pad.height);
// One input, two shapes over the same 784 floats: (1, 784) for an MLP, (1, 28, 28, 1) for the CNN.
const inputs = new Map<string, Tensor>();
function inputFor(model: Sequential): Tensor {
  const shape = [1, ...model.inputShape!];
  let t = inputs.get(shape.join('x'));
  if (!t) inputs.set(shape.join('x'), (t = new Tensor(input, shape)));
  return t;
}

function clearPad(): void {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  input.fill(0);
  grayImage(preview, input);
  probabilityBars(probsEl, new Float32Array(10));
  state.probabilities = [];
}

/** Reads the pad, preprocesses it as MNIST was, and shows the chosen model's probabilities. */
function classify(): number[] {
  const model = state.models[state.use] ?? state.models.cnn;
  if (!model) return [];
  const t0 = performance.now();
  const rgba = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
  mnistPreprocess(input, ink, pad.height, pad.width);
  const probs = Array.from(model.predict(inputFor(model)).data);
  state.predictMs.push(performance.now() - t0);
  grayImage(preview, input);
  probabilityBars(probsEl, probs);
  state.probabilities = probs;
  state.lastInput = Array.from(input);
  return probs;
}

let pending = false;
function classifySoon(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    classify();
  });
}

let last: [number, number] | null = null;
function stroke(e: PointerEvent): void {
  const r = pad.getBoundingClientRect();
  const p: [number, number] = [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = 20;
  padCtx.lineCap = padCtx.lineJoin = 'round';
  padCtx.beginPath();
  padCtx.moveTo(...(last ?? p));
  padCtx.lineTo(...p);
  padCtx.stroke();
  last = p;
  classifySoon();
}
pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  last = null;
  stroke(e);
});
pad.addEventListener('pointermove', (e) => {
  if (pad.hasPointerCapture(e.pointerId)) stroke(e);
});
pad.addEventListener('pointerup', () => (last = null));
$('clear').addEventListener('click', clearPad);
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=which]')) {
  radio.addEventListener('change', () => {
    state.use = radio.value as Which;
    classify();
  });
}

// ---- training in a worker ----
const worker = new Worker(new URL('train-worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);
const trainBtn = $<HTMLButtonElement>('train'), stopBtn = $<HTMLButtonElement>('stop'), contBtn = $<HTMLButtonElement>('continue');

function readConfig(): TrainConfig {
  const num = (id: string): number => Number(($<HTMLInputElement>(id)).value);
  const hidden = $<HTMLInputElement>('hidden').value.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const bad = hidden.length === 0 || hidden.some((n) => !Number.isInteger(n) || n > 4096);
  if (bad) throw new Error(`hidden layers: expected comma-separated unit counts such as "128" or "256, 128", got "${$<HTMLInputElement>('hidden').value}"`);
  const lr = num('lr'), batchSize = num('batch');
  if (!(lr > 0 && lr < 10)) throw new Error(`learning rate: expected a number in (0, 10), got "${$<HTMLInputElement>('lr').value}"`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) throw new Error(`batch size: expected an integer 1..10000, got "${$<HTMLInputElement>('batch').value}"`);
  return {
    hidden,
    activation: $<HTMLSelectElement>('activation').value as TrainConfig['activation'],
    optimizer: $<HTMLSelectElement>('optimizer').value,
    learningRate: lr,
    batchSize,
    trainCount: num('ntrain'),
    epochs: 5,
    seed: 1,
    backend: $<HTMLSelectElement>('backend').value as TrainConfig['backend'],
  };
}

function drawCurves(): void {
  lineChart($('loss-chart'), [{ ys: state.loss, xs: state.lossX, color: '#d0674a', label: 'loss' }], { xLabel: 'epoch', yMin: 0 });
  lineChart($('acc-chart'), [
    { ys: state.trainAccuracy, xs: state.lossX, color: '#4a7bd0', label: 'train (running)' },
    { ys: state.testAccuracy, xs: state.epochs.map((e) => e.epoch + 1), color: '#2a9d55', label: 'test', dots: true },
  ], { xLabel: 'epoch', yMax: 1 });
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      state.run = m;
      status.textContent = `${m.params.toLocaleString()} parameters, ${m.train.toLocaleString()} training / ${m.test.toLocaleString()} test images, ${m.name} backend${m.name === 'wasm' ? (m.threads ? ', 2 threads' : ', 1 thread') + (m.shared ? '' : ', unshared memory') : ''}${m.note ? ` (${m.note})` : ''}`;
      break;
    case 'progress':
      state.progress = m;
      state.loss.push(m.loss);
      state.trainAccuracy.push(m.accuracy);
      state.lossX.push(m.epoch + m.batch / m.batches);
      status.textContent = `epoch ${m.epoch + 1}, batch ${m.batch}/${m.batches}: loss ${m.loss.toFixed(3)}, ${Math.round(m.samplesPerSecond).toLocaleString()} samples/s`;
      drawCurves();
      break;
    case 'epoch':
      state.epochs.push(m);
      state.testAccuracy.push(m.testAccuracy);
      status.textContent = `epoch ${m.epoch + 1}: test accuracy ${(100 * m.testAccuracy).toFixed(2)}%, ${Math.round(m.samplesPerSecond).toLocaleString()} samples/s`;
      drawCurves();
      break;
    case 'weights':
      state.weightsDrawn = weightTiles($('weights'), m.kernel, m.units);
      break;
    case 'model': {
      state.models.trained = modelFromBytes(m.bytes, 'the model trained in this page');
      state.trainedBytes = m.bytes;
      $<HTMLInputElement>('use-trained').disabled = false;
      // The same bytes as a file: `npx scratchnet predict --model web-mlp.snet` (or loadModel) reads it.
      const link = $<HTMLAnchorElement>('save-model');
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      link.hidden = false;
      if (state.use === 'trained') classify();
      break;
    }
    case 'paused':
    case 'done':
      state.training = false;
      trainBtn.disabled = false;
      stopBtn.disabled = true;
      contBtn.disabled = false;
      if (m.type === 'done') status.textContent += ' — done (Continue trains more)';
      break;
    case 'pong':
      break;
    case 'error':
      state.errors.push(m.message);
      status.textContent = `error: ${m.message}`;
      state.training = false;
      trainBtn.disabled = false;
      stopBtn.disabled = true;
      break;
  }
};

trainBtn.addEventListener('click', () => {
  let config: TrainConfig;
  try {
    config = readConfig();
  } catch (e) {
    status.textContent = (e as Error).message;
    return;
  }
  state.loss.length = state.trainAccuracy.length = state.lossX.length = state.testAccuracy.length = state.epochs.length = 0;
  state.run = null;
  state.training = true;
  trainBtn.disabled = true;
  stopBtn.disabled = false;
  contBtn.disabled = true;
  status.textContent = 'loading the training images…';
  send({ type: 'start', config });
});
stopBtn.addEventListener('click', () => send({ type: 'stop' }));
contBtn.addEventListener('click', () => {
  state.training = true;
  trainBtn.disabled = contBtn.disabled = true;
  stopBtn.disabled = false;
  send({ type: 'continue', epochs: 5 });
});

// ---- start ----
clearPad();
drawCurves();
// Two threads need shared memory, which needs a cross-origin isolated page (`scratchnet serve` makes it
// so); elsewhere wasm runs its unshared build on one thread.
const isolated = canShareWasmMemory();
if (!isolated) {
  $<HTMLSelectElement>('backend').value = 'wasm';
  for (const o of $<HTMLSelectElement>('backend').options) o.disabled = o.value === 'wasm-threads';
}
/** The pad's backend: wasm on this thread (a page's main thread never waits for a helper), else reference. */
async function drawingBackend(): Promise<void> {
  let note: string | undefined;
  try {
    await loadWasmBackendFromUrl(new URL('./', import.meta.url), { threads: false });
  } catch (e) {
    note = (e as Error).message; // getBackend() stays the reference backend
  }
  const b = getBackend() as Partial<WasmBackend>;
  state.drawing = { name: getBackend().name, shared: b.shared ?? false, imageKernels: !!b.imageKernels, note };
  const how = state.drawing.name === 'wasm' ? `wasm backend${state.drawing.imageKernels ? ' (conv, pooling in wasm)' : ''}, ${isolated ? 'shared' : 'unshared'} memory` : `${state.drawing.name} backend${note ? ` (wasm failed: ${note})` : ''}`;
  $('backend-info').textContent = `Drawing: ${how}, main thread. Training: a Web Worker, on the backend chosen below${isolated ? '' : ' (this page is not cross-origin isolated: wasm on one thread)'}.`;
}
/** "conv1 (Conv2D 8) → ... → output (Dense 10)": the layers that hold weights, and the count. */
function describe(model: Sequential): string {
  const layers = model.layers.filter((l) => l.params.length).map((l) => `${l.constructor.name} ${l.outputShape[l.outputShape.length - 1]}`);
  return `${layers.join(' → ')}, ${model.countParams().toLocaleString()} parameters`;
}
// The models are built on the backend selected when they load: the wasm one first.
const ready = drawingBackend().then(() => Promise.all([fetchModel(new URL('models/mnist-cnn.snet', import.meta.url)), fetchModel(new URL('models/mnist-mlp.snet', import.meta.url))])).then(([cnn, mlp]) => {
  state.models.cnn = cnn;
  state.models.mlp = mlp;
  $('model-info').innerHTML = `Shipped CNN: ${describe(cnn)} (98.40% on MNIST's test set).<br>Shipped MLP: ${describe(mlp)} (97.67%; trained by <code>npx scratchnet train</code>).`;
  return [cnn, mlp];
});
ready.catch((e: Error) => {
  state.errors.push(e.message);
  $('model-info').textContent = `could not load the shipped models: ${e.message}`;
});

/** For the browser tests and the curious: the page's state and its two actions. */
(window as unknown as { demo: unknown }).demo = { state, ready, classify, clearPad, config: readConfig, ping: (id: number) => send({ type: 'ping', id }), backend: getBackend };
