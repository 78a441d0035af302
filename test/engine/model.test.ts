// Sequential end to end: learning, determinism, save/load, callbacks, bad input.

import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dense, DivergenceError, Flatten, ReLU, Rng, Sequential, Softmax, Tensor, aylaTransform, loadModel, saveModel,
  readModelHeader, createOptimizer, Layer, registerLayer, getBackend,
} from '../../lib';

/** Two interleaved spirals (the classic non-linear toy set), N points per class, K classes. */
function spirals(N: number, K: number, seed: number): { x: Tensor; y: Uint8Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(N * K * 2);
  const y = new Uint8Array(N * K);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < N; i++) {
      const r = i / N;
      const t = (k * 4 + 4 * r) + rng.normal() * 0.2;
      const j = k * N + i;
      x[2 * j] = r * Math.sin(t);
      x[2 * j + 1] = r * Math.cos(t);
      y[j] = k;
    }
  }
  return { x: new Tensor(x, [N * K, 2]), y };
}

function mlp(seed = 1): Sequential {
  return new Sequential([
    new Dense({ units: 64, activation: 'relu', kernelInitializer: 'he_normal' }),
    new Dense({ units: 64, activation: 'relu', kernelInitializer: 'he_normal' }),
    new Dense({ units: 3 }),
    new Softmax(),
  ], { inputShape: [2], seed });
}

describe('learning', () => {
  test('a small MLP fits three spirals to > 95% train accuracy', () => {
    const { x, y } = spirals(100, 3, 0);
    const model = mlp().compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 0.01 }, loss: 'cross_entropy' });
    const h = model.fit(x, y, { epochs: 150, batchSize: 32, seed: 3 });
    // ln 3 ≈ 1.10 at the start; a fit that reaches 95% accuracy is far below it.
    expect(h.history.loss[0]).toBeGreaterThan(0.5);
    expect(h.history.loss[h.history.loss.length - 1]).toBeLessThan(0.25);
    expect(model.evaluate(x, y).accuracy).toBeGreaterThan(0.95);
  });

  test('every optimizer lowers the loss on the same problem', () => {
    const { x, y } = spirals(50, 3, 1);
    for (const [name, lr] of [['sgd', 0.1], ['momentum', 0.05], ['nag', 0.05], ['rmsprop', 0.005], ['adam', 0.005], ['nadam', 0.005]] as const) {
      const model = mlp().compile({ optimizer: name, optimizerConfig: { learning_rate: lr }, loss: 'cross_entropy' });
      const h = model.fit(x, y, { epochs: 20, batchSize: 16 });
      expect([name, h.history.loss[19] < 0.9 * h.history.loss[0]]).toEqual([name, true]);
    }
  });

  test('the same seed gives bit-identical weights and history; another seed does not', () => {
    const { x, y } = spirals(40, 3, 2);
    const run = (seed: number) => {
      const m = mlp(seed).compile({ optimizer: 'adam', loss: 'cross_entropy' });
      const h = m.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.2 });
      return { params: Array.from(m.params), loss: h.history.loss };
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5).params).not.toEqual(run(6).params);
  });

  test('fit takes exactly the steps of a hand-written loop over the same shuffled batches (bit for bit)', () => {
    // fit's batches are gathered through a staging copy into backend memory; here each row is copied by
    // hand, in the order the seeded Rng gives, with a short last batch (30 rows in batches of 8).
    const { x, y } = spirals(10, 3, 4);
    const N = x.rows;
    const B = 8;
    const fitted = mlp(7).compile({ optimizer: 'momentum', loss: 'cross_entropy' });
    const h = fitted.fit(x, y, { epochs: 3, batchSize: B, seed: 11 });

    const byHand = mlp(7).compile({ optimizer: 'momentum', loss: 'cross_entropy' });
    const rng = new Rng(11);
    const order = Uint32Array.from({ length: N }, (_, i) => i);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      rng.shuffle(order);
      let lossSum = 0;
      for (let start = 0; start < N; start += B) {
        const size = Math.min(B, N - start);
        const xb = getBackend().alloc(size * 2);
        const yb = getBackend().alloc(size * 3);
        for (let k = 0; k < size; k++) {
          const r = order[start + k];
          xb[2 * k] = x.data[2 * r];
          xb[2 * k + 1] = x.data[2 * r + 1];
          yb[3 * k + y[r]] = 1;
        }
        lossSum += byHand.trainOnBatch(new Tensor(xb, [size, 2]), new Tensor(yb, [size, 3])).loss * size;
        getBackend().free?.(xb);
        getBackend().free?.(yb);
      }
      losses.push(lossSum / N);
    }
    expect(Array.from(fitted.params)).toEqual(Array.from(byHand.params));
    expect(h.history.loss).toEqual(losses);
  });

  test('History has every per-epoch field; validationSplit holds out the LAST rows', () => {
    const { x, y } = spirals(20, 3, 3);
    const model = mlp().compile({ optimizer: 'sgd', loss: 'cross_entropy' });
    const seenRows: number[] = [];
    const h = model.fit(x, y, {
      epochs: 2, batchSize: 7, validationSplit: 0.25,
      callbacks: { onBatchEnd: (_b, logs) => seenRows.push(logs.size) },
    });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'grad_norm', 'loss', 'seconds', 'val_accuracy', 'val_loss']);
    for (const v of Object.values(h.history)) expect(v).toHaveLength(2);
    // 60 rows, last 15 held out: 45 train rows per epoch, batches of 7 → 6×7 + 3.
    expect(seenRows.reduce((a, b) => a + b, 0)).toBe(90);
    expect(seenRows.slice(0, 7)).toEqual([7, 7, 7, 7, 7, 7, 3]);
    const val = model.evaluate(x.sliceRows(45, 60), y.subarray(45));
    expect(h.history.val_loss[1]).toBeCloseTo(val.loss, 6);
  });

  test('stopTraining set in a callback ends fit', () => {
    const { x, y } = spirals(20, 3, 4);
    const model = mlp().compile({ optimizer: 'sgd', loss: 'cross_entropy' });
    const h = model.fit(x, y, { epochs: 10, callbacks: { onEpochEnd: (e) => { if (e === 1) model.stopTraining = true; } } });
    expect(h.epoch).toEqual([0, 1]);
  });

  test('a custom trainStep replaces the built-in one without forking fit', () => {
    const { x, y } = spirals(20, 3, 5);
    const model = mlp().compile({ optimizer: 'sgd', loss: 'cross_entropy' });
    let calls = 0;
    model.fit(x, y, { epochs: 1, batchSize: 10, trainStep: (xb, yb, m) => { calls++; return m.trainOnBatch(xb, yb); } });
    expect(calls).toBe(6);
  });

  test('a loss transform scales the loss and every gradient (AYLA, n = 2 above 1)', () => {
    const { x, y } = spirals(10, 3, 6);
    const yb = new Tensor(new Float32Array(30 * 3), [30, 3]);
    for (let i = 0; i < 30; i++) yb.data[i * 3 + y[i]] = 1;
    const plain = mlp(9).compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 1 }, loss: 'cross_entropy' });
    const ayla = mlp(9).compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 1 }, loss: 'cross_entropy', lossTransform: aylaTransform({ n1: 2, n2: 0.5 }) });
    const w0 = Float32Array.from(plain.params);
    const a = plain.trainOnBatch(x, yb);
    const b = ayla.trainOnBatch(x, yb);
    expect(a.loss).toBeGreaterThan(1); // initial CE on 3 classes ≈ ln 3 ≈ 1.1
    expect(b.loss).toBeCloseTo(a.loss ** 2, 5);
    // Δw_ayla = 2L · Δw_plain (gradient scaled by n|L|^(n−1) = 2L)
    for (let i = 0; i < w0.length; i += 17) {
      expect(w0[i] - ayla.params[i]).toBeCloseTo(2 * a.loss * (w0[i] - plain.params[i]), 5);
    }
  });
});

describe('save and load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scratchnet-model-'));

  test('a round trip is bit-exact and predicts the same', () => {
    const { x, y } = spirals(20, 3, 7);
    const model = mlp().compile({ optimizer: 'adam', loss: 'cross_entropy' });
    model.fit(x, y, { epochs: 2 });
    const file = join(dir, 'm.snet');
    saveModel(model, file, { note: 'hello' });
    const back = loadModel(file);
    expect(Buffer.from(back.params.buffer, back.params.byteOffset, back.params.byteLength).equals(
      Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength))).toBe(true);
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    expect(readModelHeader(file).metadata).toEqual({ note: 'hello' });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('a corrupt, truncated or foreign file is refused with a clear error', () => {
    const model = mlp().build();
    const file = join(dir, 'c.snet');
    saveModel(model, file);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0xff;
    writeFileSync(join(dir, 'flip.snet'), flipped);
    expect(() => loadModel(join(dir, 'flip.snet'))).toThrow(/checksum mismatch/);
    writeFileSync(join(dir, 'trunc.snet'), good.subarray(0, good.length - 8));
    expect(() => loadModel(join(dir, 'trunc.snet'))).toThrow(/truncated or corrupt/);
    writeFileSync(join(dir, 'png.snet'), Buffer.from('\x89PNG\r\n\x1a\n0000000000'));
    expect(() => loadModel(join(dir, 'png.snet'))).toThrow(/start with "SCRATCHN"/);
    expect(() => loadModel(join(dir, 'missing.snet'))).toThrow(/does not exist/);
  });

  test('saving over an existing file in a missing folder creates it; a failed save keeps the old file', () => {
    const model = mlp().build();
    const file = join(dir, 'sub', 'deeper', 'x.snet');
    saveModel(model, file);
    expect(existsSync(file)).toBe(true);
    const before = readFileSync(file);
    // A layer whose config cannot be serialised makes the save fail before anything is renamed.
    const bad = mlp(2).build();
    (bad.layers[0] as unknown as { getConfig: () => unknown }).getConfig = () => { throw new Error('boom'); };
    expect(() => saveModel(bad, file)).toThrow('boom');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  test('a user layer registered by name loads back', () => {
    class Scale extends Layer {
      factor: number;
      constructor(opts: { factor: number; name?: string }) { super(opts.name); this.factor = opts.factor; }
      protected doBuild(s: readonly number[]) { return s; }
      forward(x: Tensor) { const y = this.buffer('y', x.rows, this.outputShape); for (let i = 0; i < x.size; i++) y.data[i] = this.factor * x.data[i]; return y; }
      backward(dy: Tensor) { const dx = this.buffer('dx', dy.rows, this.inputShape); for (let i = 0; i < dy.size; i++) dx.data[i] = this.factor * dy.data[i]; return dx; }
      getConfig() { return { factor: this.factor }; }
    }
    registerLayer('Scale', Scale, (c) => new Scale(c as { factor: number }));
    const m = new Sequential([new Dense({ units: 3 }), new Scale({ factor: 2 })], { inputShape: [2], seed: 1 });
    const file = join(dir, 'scale.snet');
    saveModel(m, file);
    const back = loadModel(file);
    expect((back.layers[1] as Scale).factor).toBe(2);
  });
});

describe('bad input gives an error naming the value and what was expected', () => {
  const { x, y } = spirals(10, 3, 8);
  const compiled = () => mlp().compile({ optimizer: 'sgd', loss: 'cross_entropy' });

  test('shape mismatch', () => {
    expect(() => compiled().fit(new Tensor(new Float32Array(30 * 3), [30, 3]), y)).toThrow(/must be \(N, 2\).*got \[30, 3\]/);
    expect(() => compiled().fit(x, y.subarray(0, 10))).toThrow(/labels must have 30 entries.*got 10/);
    expect(() => compiled().fit(x, new Tensor(new Float32Array(30 * 4), [30, 4]))).toThrow(/targets must be \(30, 3\).*got \[30, 4\]/);
    expect(() => compiled().predict(new Tensor(new Float32Array(5), [1, 5]))).toThrow(/expects input \(batch, 2\), got \[1, 5\]/);
  });
  test('NaN or Infinity in the inputs', () => {
    const bad = new Tensor(Float32Array.from(x.data), x.shape);
    bad.data[7] = NaN;
    expect(() => compiled().fit(bad, y)).toThrow(/x contains NaN at row 3, column 1/);
    bad.data[7] = Infinity;
    expect(() => compiled().predict(bad)).toThrow(/Infinity at row 3/);
  });
  test('label out of range', () => {
    const yy = Uint8Array.from(y);
    yy[4] = 7;
    expect(() => compiled().fit(x, yy)).toThrow(/label 7 at row 4 is out of range.*0\.\.2/);
  });
  test('unknown optimizer, activation, initializer, loss', () => {
    expect(() => mlp().compile({ optimizer: 'adamw', loss: 'cross_entropy' })).toThrow(/adamw.*sgd.*nadam/s);
    expect(() => new Dense({ units: 3, activation: 'swish' as never })).toThrow(/unknown activation 'swish'.*relu/);
    expect(() => new Sequential([new Dense({ units: 3, kernelInitializer: 'orthogonal' as never })], { inputShape: [2] }).build()).toThrow(/unknown initializer 'orthogonal'.*he_normal/);
    expect(() => mlp().compile({ optimizer: 'sgd', loss: 'hinge' })).toThrow(/unknown loss 'hinge'.*mean_squared_error/);
  });
  test('bad sizes', () => {
    expect(() => new Dense({ units: 0 })).toThrow(/units must be a positive integer, got 0/);
    expect(() => compiled().fit(x, y, { batchSize: 0 })).toThrow(/batchSize must be an integer ≥ 1, got 0/);
    expect(() => compiled().fit(x, y, { epochs: 1.5 })).toThrow(/epochs must be an integer ≥ 1, got 1.5/);
    expect(() => compiled().fit(x, y, { validationSplit: 1.2 })).toThrow(/validationSplit must be in \(0, 1\), got 1.2/);
    expect(() => new Sequential([new Flatten(), new Dense({ units: 2 })], {}).build()).toThrow(/needs an inputShape/);
    expect(() => new Sequential([new Dense({ units: 2 })], { inputShape: [2, 2] }).build()).toThrow(/add a Flatten layer first/);
  });
  test('fit before compile', () => {
    expect(() => mlp().fit(x, y)).toThrow(/not compiled/);
  });
  test('a diverging fit stops with a clear message instead of printing NaN epochs', () => {
    const m = new Sequential([new Dense({ units: 16, activation: 'relu' }), new ReLU(), new Dense({ units: 3 })], { inputShape: [2], seed: 1 });
    m.compile({ optimizer: createOptimizer('sgd', { learning_rate: 1e6 }), loss: 'softmax_cross_entropy' });
    const big = new Tensor(Float32Array.from(x.data, (v) => v * 1e3), x.shape);
    let err: unknown;
    try {
      m.fit(big, y, { epochs: 50, batchSize: 5 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/training diverged: the loss became (NaN|Infinity) at epoch \d+, batch \d+; try a smaller learning rate \(learning_rate was 1000000\)/);
  });
});

describe('dispose', () => {
  // The wasm heap is not garbage collected: a program training model after model must get its memory back.
  const { loadWasmBackend, shutdown } = require('../../lib/backend/wasm') as typeof import('../../lib/backend/wasm');
  const { setBackend, getBackend } = require('../../lib/backend') as typeof import('../../lib/backend');
  let previous: string;
  beforeAll(() => {
    previous = getBackend().name;
    setBackend('wasm');
  });
  afterAll(() => {
    setBackend(previous);
    shutdown();
  });

  function trainOnce(optimizer: string): Sequential {
    const { x, y } = spirals(50, 3, 0);
    const model = mlp(3);
    model.compile({ optimizer, loss: 'categorical_crossentropy' });
    model.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.2 });
    model.predict(x);
    return model;
  }

  test('gives back every byte a trained model took from the wasm heap', () => {
    const heap = loadWasmBackend().heap;
    trainOnce('adam').dispose(); // the kernels' own scratch space is allocated once and kept: warm it up first
    for (const opt of ['adam', 'nag', 'sgd']) {
      const before = heap.liveBytes;
      const model = trainOnce(opt);
      expect(heap.liveBytes).toBeGreaterThan(before + 3 * 4 * model.params.length); // params, grads, decay at least
      model.dispose();
      expect(heap.liveBytes).toBe(before);
    }
  });

  test('a disposed model refuses to run, with a message that says why; disposing twice is harmless', () => {
    const model = trainOnce('adam');
    const optimizer = model.optimizer!;
    model.dispose();
    model.dispose();
    const { x, y } = spirals(5, 3, 0);
    expect(() => model.predict(x)).toThrow(/was disposed/);
    expect(() => model.fit(x, y, { epochs: 1 })).toThrow(/was disposed/);
    const n = 10;
    expect(() => optimizer.step(new Float32Array(n), new Float32Array(n), new Float32Array(n))).toThrow(/adam: this optimizer was disposed/);
  });

  test('a pool slot that grows keeps its smaller block (earlier tensors may view it) until dispose', () => {
    const { TensorPool } = require('../../lib/util/tensor-pool') as typeof import('../../lib/util/tensor-pool');
    const live = new Set<Float32Array>();
    const pool = new TensorPool((n) => { const b = new Float32Array(n); live.add(b); return b; }, (b) => { expect(live.delete(b)).toBe(true); });
    const small = pool.get('x', 10, [4]);
    small.data.fill(7);
    pool.get('y', 10, [2]);
    const big = pool.get('x', 100, [4]);
    expect(live.size).toBe(3); // x's first block is retired, not freed
    expect(Array.from(small.data)).toEqual(new Array(40).fill(7));
    expect(pool.get('x', 50, [4]).data.buffer).toBe(big.data.buffer); // smaller batches reuse the block
    pool.get('x', 101, [4]); // grows at least 2x: 800 floats, so growth retires little
    expect(pool.heldFloats).toBe(40 + 20 + 400 + 800);
    expect(live.size).toBe(4);
    pool.dispose();
    expect(live.size).toBe(0);
  });
});
