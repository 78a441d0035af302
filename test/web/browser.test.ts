/// <reference lib="dom" />
// The demo page in a real browser: Debian's chromium (/usr/bin/chromium; .ci/run installs it where it
// is missing) driven by playwright-core, the page served by `scratchnet serve`'s server on loopback.
// Loads with no console errors; a test-set digit drawn into the pad is classified as the same model
// classifies it on Node; training in the worker lifts test accuracy above chance, updates the curves
// and the weights, stops and continues, while the main thread keeps answering.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Tensor, loadModel, readIdxFile } from '../../lib';
import { classifyCountingImageKernels, drawOnPad, openDemo, type DemoSession } from './chromium';

const ROOT = join(__dirname, '..', '..');

interface DemoState {
  probabilities: number[];
  lastInput: number[];
  loss: number[];
  testAccuracy: number[];
  epochs: { epoch: number; testAccuracy: number; samplesPerSecond: number }[];
  progress: { type: string; epoch: number; batch: number; batches: number } | null;
  training: boolean;
  models: { cnn: unknown; mlp: unknown; trained: unknown };
  errors: string[];
  weightsDrawn: number;
  trainedBytes: Uint8Array | null;
}
type DemoWindow = Window & { demo: { state: DemoState; ready: Promise<unknown>; classify(): number[]; clearPad(): void } };

let demo: DemoSession;
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  demo = await openDemo();
  ({ page, errors: consoleErrors } = demo);
}, 30_000);

afterAll(async () => {
  await demo?.close();
});

test('the page loads its model with no console errors, cross-origin isolated', async () => {
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const info = await page.textContent('#model-info');
  expect(info).toMatch(/Shipped CNN: Conv2D 8 → Conv2D 16 → Dense 10, 5,994 parameters/);
  expect(info).toMatch(/Shipped MLP: Dense 100 → Dense 10, 79,510 parameters/);
  expect(consoleErrors).toEqual([]);
});

test.each([['cnn', 'mnist-cnn.snet'], ['mlp', 'mnist-mlp.snet']])('MNIST test digits drawn into the pad are classified by the shipped %s as on Node', async (which, file) => {
  const N = 10;
  const images = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-images.idx.gz'), { limit: N }).data as Uint8Array;
  const labels = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-labels.idx.gz'), { limit: N }).data as Uint8Array;
  const model = loadModel(join(ROOT, 'web', 'models', file));
  await page.check(`input[name=which][value=${which}]`);
  for (let n = 0; n < N; n++) {
    const digit = Array.from(images.subarray(n * 784, (n + 1) * 784));
    await drawOnPad(page, digit);
    const { probs, seen, top } = await page.evaluate(() => {
      const demo = (window as unknown as DemoWindow).demo;
      const p = demo.classify();
      return { probs: p, seen: demo.state.lastInput, top: Number(document.getElementById('probs')!.dataset.top) };
    });
    const best = probs.indexOf(Math.max(...probs));
    expect([n, best, top]).toEqual([n, labels[n], labels[n]]);
    // The same model file on Node, on the image the page's network saw: the same probabilities (the
    // kernels' summation order may differ between backends, so not to the last bit).
    const nodeProbs = Array.from(model.predict(new Tensor(Float32Array.from(seen), [1, ...model.inputShape!])).data);
    for (let c = 0; c < 10; c++) expect(Math.abs(nodeProbs[c] - probs[c])).toBeLessThan(1e-5);
  }
  expect(consoleErrors).toEqual([]);
});

test('the pad\'s CNN runs on the wasm backend, its convolutions and pooling in image.wasm', async () => {
  const images = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-images.idx.gz'), { limit: 1 }).data as Uint8Array;
  const labels = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-labels.idx.gz'), { limit: 1 }).data as Uint8Array;
  const { drawing, calls, probs } = await classifyCountingImageKernels(page, Array.from(images));
  expect(drawing).toEqual({ name: 'wasm', shared: true, imageKernels: true });
  // Two convolutions (im2col each) and two max-poolings, every one in wasm; no fallback.
  expect(calls).toEqual({ im2col: [true, true], maxPoolForward: [true, true] });
  expect(probs.indexOf(Math.max(...probs))).toBe(labels[0]);
  expect(await page.textContent('#backend-info')).toMatch(/^Drawing: wasm backend \(conv, pooling in wasm\), shared memory, main thread/);
});

test('training in the worker: accuracy above chance, curves and weights drawn, Stop and Continue, page responsive', async () => {
  await page.fill('#hidden', '32');
  await page.fill('#batch', '16');
  await page.selectOption('#ntrain', '2000');
  // While the worker trains, the main thread stays free: a 5 ms timer in the page keeps firing, and
  // classifies the pad, between the worker's reports of the first epoch (one reported batch, not yet
  // the epoch's end). The same timer clicks Stop the moment the first epoch is in, so a slow round trip
  // from this test cannot let the run finish all its epochs first.
  await page.evaluate(() => {
    const demo = (window as unknown as DemoWindow).demo;
    const probe = { ticksMidEpoch: 0, stopped: false };
    (window as unknown as { probe: typeof probe }).probe = probe;
    const timer = setInterval(() => {
      const st = demo.state;
      if (st.epochs.length > 0) {
        if (!probe.stopped) document.getElementById('stop')!.click();
        probe.stopped = true;
        clearInterval(timer);
      } else if (st.training && st.progress && st.progress.batch < st.progress.batches) {
        demo.classify(); // real main-thread work, not just a timer
        probe.ticksMidEpoch++;
      }
    }, 5);
  });
  await page.click('#train');
  await page.waitForFunction(() => (window as unknown as { probe: { stopped: boolean } }).probe.stopped, null, { timeout: 30_000 });
  const probe = await page.evaluate(() => (window as unknown as { probe: { ticksMidEpoch: number } }).probe);
  expect(probe.ticksMidEpoch).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as DemoWindow).demo.state.errors)).toEqual([]);

  const first = await page.evaluate(() => (window as unknown as DemoWindow).demo.state.epochs[0]);
  expect(first.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
  // Curves drawn: the loss chart has coloured line pixels; weights drawn for all 32 units.
  const lossPixels = await page.evaluate(() => {
    const c = document.getElementById('loss-chart') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 140 && d[i + 2] < 120) n++; // the loss line's orange-red
    return n;
  });
  expect(lossPixels).toBeGreaterThan(50);
  expect(await page.evaluate(() => (window as unknown as DemoWindow).demo.state.weightsDrawn)).toBe(32);

  await page.waitForFunction(() => !(window as unknown as DemoWindow).demo.state.training);
  const stoppedAt = await page.evaluate(() => (window as unknown as DemoWindow).demo.state.epochs.length);
  // The model trained here comes back as bytes and can classify the pad.
  await page.waitForFunction(() => (window as unknown as DemoWindow).demo.state.models.trained !== null);
  expect(await page.isDisabled('#use-trained')).toBe(false);
  // ...and those bytes, saved as a file on Node, load with loadModel and read the pad as the page does.
  await page.check('input[name=which][value=trained]');
  const trained = await page.evaluate(() => {
    const demo = (window as unknown as DemoWindow).demo;
    const probs = demo.classify();
    return { probs, input: demo.state.lastInput, bytes: Array.from(demo.state.trainedBytes!), link: (document.getElementById('save-model') as HTMLAnchorElement).href };
  });
  expect(trained.link).toMatch(/^blob:/);
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-web-'));
  try {
    writeFileSync(join(dir, 'web-mlp.snet'), Uint8Array.from(trained.bytes));
    const back = loadModel(join(dir, 'web-mlp.snet'));
    const nodeProbs = back.predict(new Tensor(Float32Array.from(trained.input), [1, 784])).data;
    for (let c = 0; c < 10; c++) expect(Math.abs(nodeProbs[c] - trained.probs[c])).toBeLessThan(1e-5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.check('input[name=which][value=cnn]');
  expect(stoppedAt).toBeLessThan(5); // stopped, not finished
  await page.click('#continue');
  // One more epoch, then Stop again (clicked in the page the moment the epoch is reported).
  await page.waitForFunction((n) => {
    const st = (window as unknown as DemoWindow).demo.state;
    if (st.epochs.length <= n) return false;
    document.getElementById('stop')!.click();
    return true;
  }, stoppedAt, { timeout: 30_000 });
  await page.waitForFunction(() => !(window as unknown as DemoWindow).demo.state.training);
  const epochs = await page.evaluate(() => (window as unknown as DemoWindow).demo.state.epochs);
  expect(epochs.length).toBeGreaterThan(stoppedAt);
  expect(epochs.length).toBeLessThan(stoppedAt + 5);
  expect(epochs[epochs.length - 1].testAccuracy).toBeGreaterThan(0.5);
  expect(consoleErrors).toEqual([]);
}, 45_000);
