/// <reference lib="dom" />
// The wasm backend in Chromium: the demo's training worker loads the wasm modules over fetch and trains
// on them, on one thread and with its helper on a Web Worker, to the same numbers the same loop
// (web/trainer.ts) computes on Node with the same backend; the reference backend likewise. On a page
// served without cross-origin isolation (no shared memory), the unshared build: wasm on one thread, in
// the worker (the same numbers again) and for the pad's CNN (image kernels included).

import { join } from 'node:path';
import { readIdxFile, setBackend, type Backend } from '../../lib';
import { Trainer, type WebData } from '../../web/trainer';
import type { FromWorker, TrainConfig } from '../../web/protocol';
import { classifyCountingImageKernels, openDemo, type DemoSession } from './chromium';

const ROOT = join(__dirname, '..', '..');
type Epoch = Extract<FromWorker, { type: 'epoch' }>;
type Ready = Extract<FromWorker, { type: 'ready' }>;
interface DemoWindow { demo: { state: { epochs: Epoch[]; run: Ready | null; training: boolean; errors: string[] } } }

let demo: DemoSession;
let plain: DemoSession;
beforeAll(async () => {
  [demo, plain] = await Promise.all([openDemo(), openDemo({ isolate: false })]);
}, 30_000);
afterAll(async () => {
  await demo?.close();
  await plain?.close();
  setBackend('wasm');
});

function webData(): WebData {
  const read = (name: string) => readIdxFile(join(ROOT, 'web', 'data', `mnist-web-${name}.idx.gz`)).data;
  const floats = (a: ArrayLike<number>) => Float32Array.from(a, (v) => v / 255);
  return { trainX: floats(read('train-images')), trainY: read('train-labels') as Uint8Array, testX: floats(read('test-images')), testY: read('test-labels') as Uint8Array };
}

const config: TrainConfig = { hidden: [64], activation: 'relu', optimizer: 'adam', learningRate: 1e-3, batchSize: 64, trainCount: 2000, epochs: 5, seed: 1, backend: 'wasm' };

/** One epoch on Node with the demo's own loop. */
function nodeEpoch(backend: 'wasm' | 'reference', data: WebData): ReturnType<Trainer['endEpoch']> {
  const be = setBackend(backend) as Backend & { options?: { fma?: boolean } };
  // The page is handed the plain-SIMD kernels (lib/web/wasm.ts); Node would use the fused multiply-add
  // build where it compiles, whose sums round differently: compare like with like.
  const fma = be.options?.fma;
  if (be.options) be.options.fma = false;
  try {
    const t = new Trainer({ ...config, backend }, data);
    while (!t.trainBatches(1000).epochEnded);
    const e = t.endEpoch();
    t.dispose();
    return e;
  } finally {
    if (be.options && fma !== undefined) be.options.fma = fma;
  }
}

/** One epoch in the page's worker on `backend`; the page stops the run the moment the epoch is in. */
async function pageEpoch(backend: TrainConfig['backend'], session = demo): Promise<{ run: Ready; epoch: Epoch }> {
  const { page } = session;
  await page.fill('#hidden', String(config.hidden[0]));
  await page.fill('#batch', String(config.batchSize));
  await page.fill('#lr', String(config.learningRate));
  await page.selectOption('#ntrain', String(config.trainCount));
  await page.selectOption('#backend', backend);
  await page.evaluate(() => {
    const st = (window as unknown as DemoWindow).demo.state;
    const timer = setInterval(() => {
      if (st.epochs.length === 0 && st.errors.length === 0) return;
      document.getElementById('stop')!.click();
      clearInterval(timer);
    }, 5);
  });
  await page.click('#train');
  await page.waitForFunction(() => {
    const st = (window as unknown as DemoWindow).demo.state;
    return st.errors.length > 0 || (st.epochs.length > 0 && !st.training);
  }, null, { timeout: 45_000 });
  const st = await page.evaluate(() => {
    const s = (window as unknown as DemoWindow).demo.state;
    return { run: s.run!, epoch: s.epochs[0], errors: s.errors };
  });
  expect(st.errors).toEqual([]);
  return st;
}

test('the page is cross-origin isolated, so the worker may share wasm memory', async () => {
  expect(await demo.page.evaluate(() => crossOriginIsolated)).toBe(true);
});

let nodeEpochs: { wasm: ReturnType<typeof nodeEpoch>; reference: ReturnType<typeof nodeEpoch> } | null = null;
/** Node's epoch on each backend, computed once for both pages. */
function onNode(): NonNullable<typeof nodeEpochs> {
  const data = webData();
  nodeEpochs ??= { wasm: nodeEpoch('wasm', data), reference: nodeEpoch('reference', data) };
  return nodeEpochs;
}

test('wasm on one thread, wasm with its Web Worker helper, and reference: the numbers Node computes', async () => {
  const node = onNode();

  const one = await pageEpoch('wasm');
  expect([one.run.name, one.run.threads, one.run.shared]).toEqual(['wasm', false, true]);
  const two = await pageEpoch('wasm-threads');
  expect([two.run.name, two.run.threads, two.run.shared]).toEqual(['wasm', true, true]);
  const ref = await pageEpoch('reference');
  expect([ref.run.name, ref.run.threads]).toEqual(['reference', false]);
  console.log(`wasm epoch 1: Node loss ${node.wasm.trainLoss}, page ${one.epoch.trainLoss} (1 thread), ${two.epoch.trainLoss} (2 threads, helper ran ${two.epoch.threadStats?.worker} GEMM halves, took back ${two.epoch.threadStats?.stolen})`);

  // Same kernels, same order of operations: the same numbers, in the page and on Node, threads or not
  // (a split GEMM computes each output element as the whole one would).
  for (const p of [one.epoch, two.epoch]) {
    expect(p.trainLoss).toBeCloseTo(node.wasm.trainLoss, 9);
    expect(p.testLoss).toBeCloseTo(node.wasm.testLoss, 9);
    expect(p.testAccuracy).toBe(node.wasm.testAccuracy);
  }
  expect(ref.epoch.trainLoss).toBeCloseTo(node.reference.trainLoss, 9);
  expect(ref.epoch.testAccuracy).toBe(node.reference.testAccuracy);
  // The helper thread took part: big enough GEMMs were split (its half run there or taken back).
  expect(two.epoch.threadStats!.worker + two.epoch.threadStats!.stolen).toBeGreaterThan(0);
  expect(one.epoch.threadStats).toEqual({ worker: 0, stolen: 0 });
  expect(node.wasm.testAccuracy).toBeGreaterThan(0.5);
  expect(demo.errors).toEqual([]);
}, 60_000);

describe('a page that is not cross-origin isolated', () => {
  test('has no shared memory, and offers wasm on one thread', async () => {
    const { page } = plain;
    expect(await page.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([false, 'undefined']);
    expect(await page.isDisabled('#backend option[value=wasm-threads]')).toBe(true);
    expect(await page.inputValue('#backend')).toBe('wasm');
  });

  test('the pad\'s CNN runs on the unshared wasm build, image kernels included', async () => {
    const images = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-images.idx.gz'), { limit: 1 }).data as Uint8Array;
    const { drawing, calls, probs } = await classifyCountingImageKernels(plain.page, Array.from(images));
    expect(drawing).toEqual({ name: 'wasm', shared: false, imageKernels: true });
    expect(calls).toEqual({ im2col: [true, true], maxPoolForward: [true, true] });
    // The isolated page's pad computes the same probabilities from the same pixels: same kernels.
    const isolated = await classifyCountingImageKernels(demo.page, Array.from(images));
    expect(isolated.drawing.shared).toBe(true);
    expect(probs).toEqual(isolated.probs);
    expect(await plain.page.textContent('#backend-info')).toMatch(/^Drawing: wasm backend \(conv, pooling in wasm\), unshared memory, main thread/);
  });

  test('the worker trains on the unshared build, one thread, to the numbers Node computes', async () => {
    const node = onNode();
    const one = await pageEpoch('wasm', plain);
    expect([one.run.name, one.run.threads, one.run.shared]).toEqual(['wasm', false, false]);
    expect(one.epoch.trainLoss).toBeCloseTo(node.wasm.trainLoss, 9);
    expect(one.epoch.testLoss).toBeCloseTo(node.wasm.testLoss, 9);
    expect(one.epoch.testAccuracy).toBe(node.wasm.testAccuracy);
    expect(one.epoch.threadStats).toEqual({ worker: 0, stolen: 0 });
    expect(plain.errors).toEqual([]);
  }, 45_000);
});
