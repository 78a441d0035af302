// Conv2D, pooling, BatchNormalization, Dropout: forward values against an independent NumPy
// implementation (test/fixtures/conv/make_fixture.py → conv.json), every backward against finite
// differences, the im2col path against the naive kernels, and saved BatchNorm models reloading exactly.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D, MaxPooling2D, Rng,
  ReLU, Sequential, Tensor, bindParams, bindState, checkLayerGradients, checkModelGradients, conv2dBackwardNaive,
  conv2dForwardNaive, convGeometry, getBackend, im2col, col2im, loadModel, saveModel, setBackend, type Layer,
} from '../../lib';
import { shutdown } from '../../lib/backend/wasm';

import fixture from '../fixtures/conv/conv.json';

const TOL = 1e-2;

afterAll(() => shutdown());

/** |a − b| ≤ atol + rtol·|b| everywhere; reports the worst index on failure. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (e > excess) {
      excess = e;
      worst = i;
    }
  }
  if (worst >= 0) throw new Error(`value ${worst}: got ${actual[worst]}, expected ${expected[worst]}`);
}

/** Builds a lone layer with its own parameter and state buffers. */
function built<L extends Layer>(layer: L, inputShape: number[], seed = 1): L {
  layer.build(inputShape);
  bindParams([layer], getBackend(), new Rng(seed));
  bindState([layer], getBackend());
  return layer;
}

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = scale * rng.normal();
  return t;
}

function expectLayerOk(layer: Layer, inputShape: number[], opts = {}): void {
  const r = checkLayerGradients(layer, inputShape, { batch: 3, seed: 7, ...opts });
  expect(r.input.checked).toBeGreaterThan(0);
  expect(r.input.maxRelError).toBeLessThan(TOL);
  for (const [name, p] of Object.entries(r.params)) {
    expect([name, p.checked > 0, p.maxRelError < TOL]).toEqual([name, true, true]);
  }
}

describe('forward values match the NumPy fixture', () => {
  test.each(fixture.conv.map((c, i) => [i, JSON.stringify(c.padding), c.strides.join('x'), c.kernelSize.join('x'), c] as const))(
    'Conv2D case %i: padding %s, strides %s, kernel %s', (_i, _p, _s, _k, c) => {
      const [, H, W, C] = c.xShape;
      const layer = built(new Conv2D({ filters: c.yShape[3], kernelSize: c.kernelSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' }), [H, W, C]);
      layer.kernel.value.set(c.kernel);
      layer.bias!.value.set(c.bias);
      const x = Tensor.from(c.x, c.xShape);
      const y = layer.forward(x, { training: false });
      expect(y.shape).toEqual(c.yShape);
      expectClose(y.data, c.y, 1e-5, 1e-5);
      // The naive oracle agrees too.
      const naive = new Float32Array(y.size);
      conv2dForwardNaive(naive, x.data, Float32Array.from(c.kernel), Float32Array.from(c.bias), c.xShape[0], c.yShape[3], layer.geometry);
      expectClose(naive, c.y, 1e-5, 1e-5);
    });

  test.each(fixture.pool.map((c, i) => [i, c.kind, c.poolSize.join('x'), c.strides.join('x'), c.padding, c] as const))(
    'pool case %i: %s %s strides %s padding %s', (_i, kind, _ps, _st, _pad, c) => {
      const [, H, W, C] = c.xShape;
      const opts = { poolSize: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'same' | 'valid' };
      const layer = built(kind === 'max' ? new MaxPooling2D(opts) : new AveragePooling2D(opts), [H, W, C]);
      const y = layer.forward(Tensor.from(c.x, c.xShape), { training: false });
      expect(y.shape).toEqual(c.yShape);
      expectClose(y.data, c.y, 1e-6, 1e-6);
    });

  test.each(fixture.batchnorm.map((c) => [c.xShape.join('x'), c] as const))('BatchNormalization on %s: training (batch statistics, running update) and evaluation', (_s, c) => {
    const layer = built(new BatchNormalization({ momentum: c.momentum, epsilon: c.epsilon }), c.xShape.slice(1));
    layer.gamma.value.set(c.gamma);
    layer.beta.value.set(c.beta);
    const x = Tensor.from(c.x, c.xShape);
    layer.movingMean.value.set(c.movingMean);
    layer.movingVariance.value.set(c.movingVariance);
    expectClose(layer.forward(x, { training: false }).data, c.evalY, 1e-5, 1e-5);
    expectClose(layer.forward(x, { training: true }).data, c.trainY, 1e-5, 1e-5);
    expectClose(layer.movingMean.value, c.trainMovingMean, 1e-6, 1e-6);
    expectClose(layer.movingVariance.value, c.trainMovingVariance, 1e-6, 1e-6);
  });
});

// On both backends: the wasm kernels and the reference TypeScript loops.
describe.each(['wasm', 'reference'])('gradients match finite differences (%s backend)', (backend) => {
  const before = getBackend().name;
  beforeAll(() => setBackend(backend));
  afterAll(() => setBackend(before));
  test.each([
    ['stride 2, same', { strides: 2, padding: 'same' }],
    ['stride 2, valid', { strides: 2, padding: 'valid' }],
    ['stride 1, explicit padding 1', { strides: 1, padding: 1 }],
    ['stride (2, 1), explicit padding (1, 2), 2x3 kernel', { strides: [2, 1], padding: [1, 2], kernelSize: [2, 3] }],
  ] as const)('Conv2D %s (kernel, bias, input)', (_n, o) => {
    // A linear Conv2D is linear in its input and in its kernel, so the central difference has no
    // truncation error at any ε: ε = 1e-2 makes float32 rounding (divided by 2ε) 10x smaller. At 1e-3
    // the reference backend's rounding reached a relative 1.8e-2 on one small entry (stride 1, padding 1).
    expectLayerOk(new Conv2D({ filters: 3, kernelSize: 3, ...o } as ConstructorParameters<typeof Conv2D>[0]), [5, 6, 2], { eps: 1e-2 });
  });
  test('Conv2D with tanh activation and no bias', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 2, padding: 'same', activation: 'tanh', useBias: false });
    expectLayerOk(layer, [4, 4, 3]);
    expect(layer.params.map((p) => p.name)).toEqual(['kernel']);
  });
  // Inputs a random permutation of well-separated values (steps of 0.05 ≫ ε): no window has a tie
  // or a near-tie that a ±ε perturbation could flip.
  function untied(layer: Layer, shape: number[]): void {
    const n = 3 * shape.reduce((a, b) => a * b, 1);
    const rng = new Rng(5);
    const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
    rng.shuffle(values);
    built(layer, shape);
    const x = Tensor.from(values, [3, ...shape]);
    const r = new Float32Array(3 * layer.outputShape.reduce((a, b) => a * b, 1)).map(() => rng.normal());
    const f = () => layer.forward(x, { training: false }).data.reduce((s, v, i) => s + v * r[i], 0);
    f();
    const dx = Float32Array.from(layer.backward(new Tensor(r, [3, ...layer.outputShape])).data);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { gradientCheck } = require('../../lib/gradcheck') as typeof import('../../lib/gradcheck');
    const res = gradientCheck(f, x.data, dx);
    expect(res.checked).toBe(n);
    expect(res.maxRelError).toBeLessThan(TOL);
  }
  test('MaxPooling2D 2x2 valid (away from ties)', () => untied(new MaxPooling2D(), [5, 6, 2]));
  test('MaxPooling2D 3x3 stride 2 same (away from ties)', () => untied(new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [5, 6, 2]));
  test('AveragePooling2D 2x2 valid', () => expectLayerOk(new AveragePooling2D(), [4, 5, 2]));
  test('AveragePooling2D 3x3 stride 2 same', () => expectLayerOk(new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [5, 6, 2]));
  test('GlobalAveragePooling2D', () => expectLayerOk(new GlobalAveragePooling2D(), [3, 4, 5]));
  test('BatchNormalization on images, training: through the batch statistics', () => {
    const layer = new BatchNormalization();
    built(layer, [3, 3, 2]);
    layer.gamma.value.set([1.5, -0.7]);
    layer.beta.value.set([0.3, 0.1]);
    // BN's dx sums to zero over each channel, so many entries are small and float32 rounding divided by
    // 2ε dominates them at ε = 1e-3 (relative errors ~1e-2); the function is smooth, so a larger ε
    // costs only O(ε²) truncation and leaves the rounding 10x smaller.
    expectLayerOk(layer, [3, 3, 2], { training: true, batch: 4, eps: 1e-2 });
  });
  test('BatchNormalization on features, training', () => {
    const layer = built(new BatchNormalization(), [5]);
    layer.gamma.value.set([1.2, 0.8, -1, 2, 0.5]);
    expectLayerOk(layer, [5], { training: true, batch: 6 });
  });
  test('BatchNormalization in evaluation (running statistics are constants)', () => {
    const layer = built(new BatchNormalization(), [4]);
    layer.movingMean.value.set([0.1, -0.2, 0.3, 0]);
    layer.movingVariance.value.set([0.5, 2, 1, 0.9]);
    layer.gamma.value.set([1.2, 0.8, -1, 2]);
    expectLayerOk(layer, [4], { training: false });
  });
  test('Dropout with its mask held fixed', () => {
    const layer = new Dropout({ rate: 0.4 });
    expectLayerOk(layer, [12], { training: true, batch: 4, beforeForward: () => layer.reseed(11) });
  });
  test('a small CNN end to end (conv, BN, ReLU, pool, flatten, dense, BN)', () => {
    const model = new Sequential([
      new Conv2D({ filters: 3, kernelSize: 3, padding: 1 }), new BatchNormalization(), new MaxPooling2D(),
      new Conv2D({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }), new Flatten(), new Dense({ units: 4 }),
    ], { inputShape: [6, 6, 1], seed: 3 });
    model.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' });
    const rng = new Rng(9);
    const x = randomTensor([3, 6, 6, 1], rng);
    const y = Tensor.zeros([3, 4]);
    for (let b = 0; b < 3; b++) y.data[b * 4 + (b % 4)] = 1;
    // A BatchNorm in evaluation mode: run a training pass first so its running statistics are not trivial.
    model.forward(x, { training: true });
    // Floor 1e-2: the float32 loss (≈ 1.4) carries rounding noise of ~1e-7, so a central difference with
    // eps 1e-3 is only good to ~1e-4 absolute; at floor 1e-3 that noise alone reaches 1% (one element moved
    // from 0.88% to 1.15% when the GEMMs switched to fused multiply-adds, its analytic gradient unchanged).
    const r = checkModelGradients(model, x, y, { floor: 1e-2 });
    expect(r.checked).toBe(model.params.length);
    expect(r.maxRelError).toBeLessThan(TOL);
  });
});

describe('the im2col path agrees with the naive kernels', () => {
  test.each(['reference', 'wasm'])('forward and backward on the %s backend', (backend) => {
    const previous = getBackend().name;
    setBackend(backend);
    try {
      for (const [stride, padding] of [[1, 'same'], [2, 'valid'], [2, [1, 1]]] as const) {
        const rng = new Rng(17);
        const B = 4;
        const layer = built(new Conv2D({ filters: 8, kernelSize: 3, strides: stride, padding: padding as 'same' }), [9, 7, 5], 2);
        const g = layer.geometry;
        const x = randomTensor([B, 9, 7, 5], rng);
        const y = layer.forward(x, { training: false });
        const naive = conv2dForwardNaive(new Float32Array(y.size), x.data, layer.kernel.value, layer.bias!.value, B, 8, g);
        expectClose(y.data, naive, 1e-5, 1e-4);
        const dy = randomTensor(y.shape as number[], rng);
        layer.zeroGrad();
        const dx = Float32Array.from(layer.backward(dy).data);
        const dxN = new Float32Array(x.size);
        const dwN = new Float32Array(layer.kernel.size);
        const dbN = new Float32Array(8);
        conv2dBackwardNaive(dxN, dwN, dbN, dy.data, x.data, layer.kernel.value, B, 8, g);
        expectClose(dx, dxN, 1e-4, 1e-4);
        expectClose(layer.kernel.grad, dwN, 1e-4, 1e-4);
        expectClose(layer.bias!.grad, dbN, 1e-4, 1e-4);
      }
    } finally {
      setBackend(previous);
    }
  });
});

describe('kernel contracts (writes out, returns out, leaves inputs alone, accumulates)', () => {
  const g = convGeometry(4, 5, 2, 3, 2, 2, 1, 'same');
  const rng = new Rng(4);
  const inp = Float32Array.from({ length: 2 * 4 * 5 * 2 }, () => rng.normal());
  const weight = Float32Array.from({ length: 3 * 2 * 2 * 3 }, () => rng.normal());
  test('conv2dForwardNaive and im2col', () => {
    const before = Float32Array.from(inp);
    const out = new Float32Array(2 * g.OH * g.OW * 3).fill(NaN);
    expect(conv2dForwardNaive(out, inp, weight, null, 2, 3, g)).toBe(out);
    expect(out.every(Number.isFinite)).toBe(true);
    const cols = new Float32Array(2 * g.OH * g.OW * 12).fill(NaN);
    expect(im2col(cols, inp, 2, g)).toBe(cols);
    expect(cols.every(Number.isFinite)).toBe(true);
    expect(inp).toEqual(before);
  });
  test('col2im is the adjoint of im2col and accumulates', () => {
    // <im2col(x), c> = <x, col2im(c)> for any x, c.
    const cols = Float32Array.from({ length: 2 * g.OH * g.OW * 12 }, () => rng.normal());
    const xcols = im2col(new Float32Array(cols.length), inp, 2, g);
    const back = col2im(new Float32Array(inp.length), cols, 2, g);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < cols.length; i++) lhs += xcols[i] * cols[i];
    for (let i = 0; i < inp.length; i++) rhs += inp[i] * back[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * Math.abs(lhs));
    const twice = col2im(Float32Array.from(back), cols, 2, g);
    expectClose(twice, back.map((v) => 2 * v), 1e-5, 1e-5);
  });
});

describe('Dropout', () => {
  test('drops about rate of the values, scales the rest by 1/(1 − rate), is the identity in evaluation', () => {
    const layer = built(new Dropout({ rate: 0.25, seed: 3 }), [1000]);
    const x = Tensor.from(new Float32Array(4000).fill(2), [4, 1000]);
    const y = layer.forward(x, { training: true });
    const zeros = y.data.filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.22);
    expect(zeros / 4000).toBeLessThan(0.28);
    expect(y.data.every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-6)).toBe(true);
    expect(layer.forward(x, { training: false })).toBe(x);
  });
  test('masks are seeded: same model seed, same training run, bit for bit; another seed differs', () => {
    const run = (seed: number) => {
      const model = new Sequential([new Dense({ units: 16, activation: 'relu' }), new Dropout({ rate: 0.3 }), new Dense({ units: 3 })], { inputShape: [5], seed });
      model.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' });
      const rng = new Rng(1);
      const x = randomTensor([64, 5], rng);
      const labels = Uint8Array.from({ length: 64 }, (_, i) => i % 3);
      const h = model.fit(x, labels, { epochs: 3, batchSize: 16 });
      const out = Float32Array.from(model.params);
      model.dispose();
      return { loss: h.history.loss, out };
    };
    const a = run(4);
    const b = run(4);
    expect(b.loss).toEqual(a.loss);
    expect(b.out).toEqual(a.out);
    expect(run(5).loss).not.toEqual(a.loss);
  });
});

describe('BatchNormalization followed by ReLU, computed as one layer in a model', () => {
  // A subclass of ReLU is not fused (BatchNormalization.fuseNext takes ReLU itself only).
  class SeparateReLU extends ReLU {}
  const make = (relu: () => Layer, seed: number) => new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }), new BatchNormalization(), relu(), new MaxPooling2D(), new Flatten(),
    new Dense({ units: 9 }), new BatchNormalization(), relu(), new Dropout({ rate: 0.3 }), new Dense({ units: 3 }),
  ], { inputShape: [6, 6, 1], seed });
  test.each(['reference', 'wasm'])('trains and predicts exactly as the two layers apart (%s backend)', (backend) => {
    const previous = getBackend().name;
    setBackend(backend);
    try {
      const rng = new Rng(5);
      const x = randomTensor([24, 6, 6, 1], rng);
      const labels = Uint8Array.from({ length: 24 }, (_, i) => i % 3);
      const run = (relu: () => Layer) => {
        const model = make(relu, 6);
        model.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'softmax_cross_entropy' });
        const h = model.fit(x, labels, { epochs: 2, batchSize: 8 });
        const out = { loss: h.history.loss, params: Float32Array.from(model.params), state: Float32Array.from(model.state), predicted: Float32Array.from(model.predict(x).data) };
        model.dispose();
        return out;
      };
      const fused = run(() => new ReLU());
      const apart = run(() => new SeparateReLU());
      expect(fused.loss).toEqual(apart.loss);
      expect(fused.params).toEqual(apart.params);
      expect(fused.state).toEqual(apart.state);
      expect(fused.predicted).toEqual(apart.predicted);
    } finally {
      setBackend(previous);
    }
  });
  test('the fused layer passes the gradient check (evaluation)', () => {
    const model = make(() => new ReLU(), 3);
    model.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' });
    const rng = new Rng(9);
    const x = randomTensor([3, 6, 6, 1], rng);
    const y = Tensor.zeros([3, 3]);
    for (let b = 0; b < 3; b++) y.data[b * 3 + b] = 1;
    model.forward(x, { training: true }); // running statistics that are not trivial
    const r = checkModelGradients(model, x, y, { floor: 1e-2 });
    expect(r.checked).toBe(model.params.length);
    expect(r.maxRelError).toBeLessThan(TOL);
  });
});

describe('a BatchNorm CNN saved and loaded', () => {
  test('reproduces its predictions and running statistics exactly', () => {
    const model = new Sequential([
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same' }), new BatchNormalization(), new MaxPooling2D(), new Flatten(),
      new Dense({ units: 8 }), new BatchNormalization(), new Dropout({ rate: 0.2 }), new Dense({ units: 3 }),
    ], { inputShape: [6, 6, 1], seed: 2 });
    model.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.05 }, loss: 'softmax_cross_entropy' });
    const rng = new Rng(8);
    const x = randomTensor([40, 6, 6, 1], rng);
    const labels = Uint8Array.from({ length: 40 }, (_, i) => i % 3);
    model.fit(x, labels, { epochs: 2, batchSize: 8 });
    expect(Array.from(model.state).some((v) => v !== 0 && v !== 1)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'scratchnet-bn-'));
    try {
      const file = join(dir, 'cnn.scratchnet');
      saveModel(model, file);
      const loaded = loadModel(file);
      expect(Float32Array.from(loaded.state)).toEqual(Float32Array.from(model.state));
      expect(Float32Array.from(loaded.params)).toEqual(Float32Array.from(model.params));
      expect(loaded.predict(x).data).toEqual(model.predict(x).data);
      expect(loaded.layers.map((l) => l.constructor.name)).toEqual(model.layers.map((l) => l.constructor.name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});

describe('bad options are refused with the value and what was expected', () => {
  test.each([
    [() => new Conv2D({ filters: 0, kernelSize: 3 }), /filters must be a positive integer, got 0/],
    [() => new Conv2D({ filters: 2, kernelSize: [3, 0] }), /kernelSize must be a positive integer or a pair of them, got \[3,0\]/],
    [() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), /padding must be 'same', 'valid', a number or \[height, width\], got "full"/],
    [() => new MaxPooling2D({ padding: [1, 1] as unknown as 'same' }), /MaxPooling2D padding must be 'same' or 'valid'/],
    [() => new BatchNormalization({ momentum: 0.99 * 2 }), /momentum must be in \(0, 1\]/],
    [() => new Dropout({ rate: 1 }), /Dropout rate must be in \[0, 1\), got 1/],
  ])('%#', (make, message) => expect(make).toThrow(message));
  test('a Conv2D given flat input says what it expects', () => {
    expect(() => new Sequential([new Conv2D({ filters: 2, kernelSize: 3 })], { inputShape: [784] }).build()).toThrow(/Conv2D expects images \(batch, height, width, channels\), got per-sample shape \[784\]/);
  });
  test('a kernel larger than the image', () => {
    expect(() => new Sequential([new Conv2D({ filters: 2, kernelSize: 5 })], { inputShape: [3, 3, 1] }).build()).toThrow(/5×5 kernel with padding "valid" does not fit a 3×3 image/);
  });
});
