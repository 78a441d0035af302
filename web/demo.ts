// The demo page: draw a digit and watch a model trained by the CLI classify it as you draw (on this,
// the main thread: one forward pass per frame is cheap); train a network of your own in a Web Worker
// (web/train-worker.ts) with live curves and first-layer weights; switch the pad to the model you trained.

import { Sequential, Tensor, fetchModel, getBackend, mnistPreprocess, modelFromBytes } from '../lib/web';
import { grayImage, lineChart, probabilityBars, weightTiles } from './charts';
import type { FromWorker, ToWorker, TrainConfig } from './protocol';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true })!;
const preview = $<HTMLCanvasElement>('preview');
const probsEl = $('probs');
const status = $('train-status');

/** What the page knows, for a person and for the browser tests. */
const state = {
  shipped: null as Sequential | null,
  trained: null as Sequential | null,
  use: 'shipped' as 'shipped' | 'trained',
  probabilities: [] as number[],
  predictMs: [] as number[],
  loss: [] as number[],
  trainAccuracy: [] as number[],
  lossX: [] as number[],
  testAccuracy: [] as number[],
  epochs: [] as { epoch: number; testAccuracy: number; samplesPerSecond: number; seconds: number }[],
  progress: null as FromWorker | null,
  training: false,
  errors: [] as string[],
  weightsDrawn: 0,
};

// ---- the drawing pad ----
const input = new Float32Array(784);
const ink = new Float32Array(pad.width * pad.height);
const x1 = new Tensor(input, [1, 784]);

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
  const model = state.use === 'trained' && state.trained ? state.trained : state.shipped;
  if (!model) return [];
  const t0 = performance.now();
  const rgba = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
  mnistPreprocess(input, ink, pad.height, pad.width);
  const probs = Array.from(model.predict(x1).data);
  state.predictMs.push(performance.now() - t0);
  grayImage(preview, input);
  probabilityBars(probsEl, probs);
  state.probabilities = probs;
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
    state.use = radio.value as 'shipped' | 'trained';
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
      status.textContent = `${m.params.toLocaleString()} parameters, ${m.train.toLocaleString()} training / ${m.test.toLocaleString()} test images, ${m.backend} backend`;
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
      state.epochs.push({ epoch: m.epoch, testAccuracy: m.testAccuracy, samplesPerSecond: m.samplesPerSecond, seconds: m.seconds });
      state.testAccuracy.push(m.testAccuracy);
      status.textContent = `epoch ${m.epoch + 1}: test accuracy ${(100 * m.testAccuracy).toFixed(2)}%, ${Math.round(m.samplesPerSecond).toLocaleString()} samples/s`;
      drawCurves();
      break;
    case 'weights':
      state.weightsDrawn = weightTiles($('weights'), m.kernel, m.units);
      break;
    case 'model':
      state.trained = modelFromBytes(m.bytes, 'the model trained in this page');
      $<HTMLInputElement>('use-trained').disabled = false;
      if (state.use === 'trained') classify();
      break;
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
$('backend-info').textContent = `Backend: ${getBackend().name}.`;
const ready = fetchModel(new URL('models/mnist-mlp.snet', import.meta.url)).then((model) => {
  state.shipped = model;
  const meta = (model as unknown as { metadata?: Record<string, unknown> }).metadata;
  $('model-info').textContent = `Shipped model: ${model.layers.filter((l) => l.params.length).map((l) => l.outputShape.join('×')).join(' → ')} (${model.countParams().toLocaleString()} parameters)${meta ? '' : ''}, trained by \`npx scratchnet train\`.`;
  return model;
});
ready.catch((e: Error) => {
  state.errors.push(e.message);
  $('model-info').textContent = `could not load the shipped model: ${e.message}`;
});

/** For the browser tests and the curious: the page's state and its two actions. */
(window as unknown as { demo: unknown }).demo = { state, ready, classify, clearPad, config: readConfig, ping: (id: number) => send({ type: 'ping', id }) };
