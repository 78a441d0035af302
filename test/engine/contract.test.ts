// The layer/model contract (lib/layers/layer.ts): the model knows no concrete layer or loss formula,
// tensors never view memory given to something else, layers are saved by registered name and
// belong to one model, non-trainable state is saved but never optimised.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dense, Layer, ReLU, Sequential, Softmax, Tensor, WeightedCrossEntropy, checkModelGradients, loadModel,
  readModelHeader, registerLayer, saveModel, setBackend, getBackend, shutdownWasm, predictedLabels, type ForwardContext, type State,
} from '../../lib';
import { toyBatch } from './toy-data';

const dir = mkdtempSync(join(tmpdir(), 'scratchnet-contract-'));

const data = toyBatch;

describe('a final softmax and the loss', () => {
  // trainOnBatch's gradient (through the loss's computeThroughSoftmax) against the full chain
  // (loss.compute's dL/dp, then the softmax's own backward), recovered from one SGD step.
  function fusedEqualsFullChain(make: () => Sequential): void {
    const fused = make();
    const ref = make();
    const { x, y } = data(5, 3, 4, 8);
    checkModelGradients(ref, x, y, { maxChecks: 1 }); // leaves the full-chain gradient in ref.grads
    const full = Float32Array.from(ref.grads);
    const before = Float32Array.from(fused.params);
    fused.trainOnBatch(x, y);
    let maxAbs = 0;
    for (let i = 0; i < full.length; i++) {
      expect((before[i] - fused.params[i]) / 0.1).toBeCloseTo(full[i], 4);
      maxAbs = Math.max(maxAbs, Math.abs(full[i]));
    }
    expect(maxAbs).toBeGreaterThan(1e-3); // a real gradient, not zeros on both sides
  }

  test('Dense({activation: "softmax"}) as the last layer is recognised as a softmax', () => {
    const make = () => new Sequential([new Dense({ units: 6, activation: 'tanh' }), new Dense({ units: 4, activation: 'softmax' })], { inputShape: [3], seed: 4 })
      .compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'cross_entropy' });
    expect(make().layers[1].endsInSoftmax).toBe(true);
    fusedEqualsFullChain(make);
  });

  test('a Softmax layer after a linear Dense pairs the same way', () => {
    fusedEqualsFullChain(() => new Sequential([new Dense({ units: 6, activation: 'tanh' }), new Dense({ units: 4 }), new Softmax()], { inputShape: [3], seed: 4 })
      .compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'cross_entropy' }));
  });

  test('a loss that applies softmax itself is refused after a softmax, naming both and the fix', () => {
    const ends = [
      () => new Sequential([new Dense({ units: 4 }), new Softmax('probs')], { inputShape: [3] }),
      () => new Sequential([new Dense({ units: 4, activation: 'softmax', name: 'probs' })], { inputShape: [3] }),
    ];
    for (const make of ends) {
      expect(() => make().compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' }))
        .toThrow(/loss 'softmax_cross_entropy' applies softmax.*last layer probs already ends in softmax.*twice.*categorical_crossentropy/);
      expect(() => make().compile({ optimizer: 'sgd', loss: new WeightedCrossEntropy(4) })).toThrow(/weighted_cross_entropy.*applied twice/);
      // Losses on probabilities are fine after a softmax.
      expect(() => make().compile({ optimizer: 'sgd', loss: 'mean_squared_error' })).not.toThrow();
    }
    // On logits it is the right loss.
    expect(() => new Sequential([new Dense({ units: 4 })], { inputShape: [3] }).compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' })).not.toThrow();
  });
});

describe('tensors never view memory given to something else', () => {
  let previous: string;
  beforeAll(() => {
    previous = getBackend().name;
  });
  afterAll(() => {
    setBackend(previous);
    shutdownWasm();
  });

  test.each(['wasm', 'reference'])('%s: the output of a small batch survives a larger batch and later allocations', (backend) => {
    setBackend(backend);
    const model = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 3, activation: 'softmax' })], { inputShape: [5], seed: 2 });
    const { x } = data(40, 5, 3, 1);
    const first = model.forward(x.sliceRows(0, 2));
    const copy = Float32Array.from(first.data);
    expect(copy.some((v) => v !== 0)).toBe(true);
    model.forward(x); // every layer's buffers grow for 40 rows
    // Memory freed by the growth would be handed out again now, and overwritten.
    const be = getBackend();
    const junk = Array.from({ length: 40 }, () => be.alloc(first.size));
    for (const j of junk) j.fill(-123);
    expect(Array.from(first.data)).toEqual(Array.from(copy));
    for (const j of junk) be.free?.(j);
    model.dispose();
  });

  test('predict returns memory the caller owns; evaluate returns plain numbers', () => {
    setBackend('wasm');
    const model = new Sequential([new Dense({ units: 3, activation: 'softmax' })], { inputShape: [5], seed: 2 });
    model.compile({ optimizer: 'sgd', loss: 'cross_entropy' });
    const { x, y } = data(10, 5, 3, 1);
    const p = model.predict(x);
    const copy = Float32Array.from(p.data);
    expect(p.data.buffer).not.toBe(getBackend().alloc(0).buffer); // not a view of wasm memory
    model.predict(data(30, 5, 3, 2).x);
    model.evaluate(x, y);
    model.dispose();
    expect(Array.from(p.data)).toEqual(Array.from(copy)); // even after dispose
  });
});

describe('across backends', () => {
  afterAll(() => setBackend('wasm'));

  test('a model trained and saved on wasm loads on the reference backend and predicts the same', () => {
    setBackend('wasm');
    const { x, y } = data(64, 6, 4, 11);
    const model = new Sequential([new Dense({ units: 16, activation: 'relu' }), new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 4, activation: 'softmax' })], { inputShape: [6], seed: 7 });
    model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 0.01 }, loss: 'cross_entropy' });
    model.fit(x, y, { epochs: 3, batchSize: 16 });
    const file = join(dir, 'wasm.snet');
    saveModel(model, file);
    const onWasm = model.predict(x);
    setBackend('reference');
    const back = loadModel(file);
    expect(Buffer.from(back.params.buffer, back.params.byteOffset, back.params.byteLength)
      .equals(Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength))).toBe(true);
    const onRef = back.predict(x);
    // Bit-identical weights and the same class for every row; the probabilities differ by the kernels'
    // summation order only (6e-8, one float32 step near 1, when written).
    let maxDiff = 0;
    for (let i = 0; i < onRef.size; i++) maxDiff = Math.max(maxDiff, Math.abs(onRef.data[i] - onWasm.data[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(Array.from(predictedLabels(onRef))).toEqual(Array.from(predictedLabels(onWasm)));
    model.dispose();
  });
});

describe('layer identity', () => {
  // A layer class whose constructor.name a minifier has renamed.
  class Doubler extends Layer {
    protected doBuild(s: readonly number[]) { return s; }
    forward(x: Tensor) { const y = this.buffer('y', x.rows, this.outputShape); for (let i = 0; i < x.size; i++) y.data[i] = 2 * x.data[i]; return y; }
    backward(dy: Tensor) { const dx = this.buffer('dx', dy.rows, this.inputShape); for (let i = 0; i < dy.size; i++) dx.data[i] = 2 * dy.data[i]; return dx; }
    getConfig() { return {}; }
  }
  Object.defineProperty(Doubler, 'name', { value: 'e' });
  registerLayer('Doubler', Doubler, (c) => new (Doubler as unknown as new (name?: string) => Doubler)(c.name as string));

  test('a saved model records registered names, and loads back under a renamed class', () => {
    const m = new Sequential([new Dense({ units: 3, name: 'd' }), new Doubler('twice'), new ReLU('r')], { inputShape: [2], seed: 1 });
    const file = join(dir, 'names.snet');
    saveModel(m, file);
    expect(readModelHeader(file).layers.map((l) => l.className)).toEqual(['Dense', 'Doubler', 'ReLU']);
    const back = loadModel(file);
    expect(back.layers[1]).toBeInstanceOf(Doubler);
    expect(back.layers.map((l) => l.name)).toEqual(['d', 'twice', 'r']);
    expect(new Doubler().name).toMatch(/^doubler_\d+$/); // default names use the registered name too
  });

  test('an unregistered layer trains but cannot be saved, and the error says how to register it', () => {
    class Loose extends Doubler {}
    const m = new Sequential([new Dense({ units: 3 }), new Loose('loose')], { inputShape: [2] });
    expect(() => saveModel(m, join(dir, 'loose.snet'))).toThrow(/layer loose: its class Loose is not registered.*registerLayer\('Loose', Loose/);
  });

  test('registerLayer wants the class, and refuses a name taken by another class', () => {
    expect(() => registerLayer('Bad', ((c: Record<string, unknown>) => new Doubler(c.name as string)) as never)).toThrow(/second argument must be the layer class/);
    class Other extends Doubler {}
    expect(() => registerLayer('Doubler', Other)).toThrow(/'Doubler' is already registered for another layer class/);
    expect(() => registerLayer('Doubler', Doubler)).not.toThrow(); // the same class again is harmless
  });

  test('a layer belongs to one model: a second model, a repeat, or an already-built layer is refused', () => {
    const shared = new Dense({ units: 3, name: 'shared' });
    const first = new Sequential([shared], { inputShape: [2], name: 'first' }).build();
    expect(() => new Sequential([shared], { inputShape: [2], name: 'second' })).toThrow(/layer shared already belongs to model first.*cannot join a second model/);
    const again = new Dense({ units: 3, name: 'again' });
    expect(() => new Sequential([again, again], { inputShape: [3] })).toThrow(/layer again is already in model sequential/);
    const alone = new Dense({ units: 3, name: 'alone' });
    alone.build([2]);
    expect(() => new Sequential([alone], { inputShape: [2] })).toThrow(/layer alone is already built.*new, unbuilt layer/);
    // The first model still owns its weights.
    expect(first.layers[0].params[0].value.buffer).toBe(first.params.buffer);
  });
});

describe('non-trainable state', () => {
  // Keeps a running mean of its input (like batch norm's running statistics) and adds it to the output:
  // state the layer updates itself when training, that the model saves, and no optimizer touches.
  class Recentre extends Layer {
    mean!: State;
    protected doBuild(s: readonly number[]) {
      this.mean = this.addState('running_mean', s, 0.5);
      this.addWeight('scale', s, { initializer: 'ones', decay: 1 });
      return s;
    }
    forward(x: Tensor, ctx: ForwardContext) {
      const n = x.cols;
      if (ctx.training) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let b = 0; b < x.rows; b++) s += x.data[b * n + j];
          this.mean.value[j] = 0.9 * this.mean.value[j] + 0.1 * (s / x.rows);
        }
      }
      const y = this.buffer('y', x.rows, this.outputShape);
      for (let i = 0; i < x.size; i++) y.data[i] = this.params[0].value[i % n] * x.data[i] - this.mean.value[i % n];
      this.x = x;
      return y;
    }
    private x: Tensor | null = null;
    backward(dy: Tensor) {
      const n = dy.cols;
      const dx = this.buffer('dx', dy.rows, this.inputShape);
      for (let i = 0; i < dy.size; i++) {
        this.params[0].grad[i % n] += dy.data[i] * this.x!.data[i];
        dx.data[i] = dy.data[i] * this.params[0].value[i % n];
      }
      return dx;
    }
    getConfig() { return {}; }
  }
  registerLayer('Recentre', Recentre, (c) => new (Recentre as unknown as new (name?: string) => Recentre)(c.name as string));

  test('is initialised, updated by the layer in training only, saved and loaded, and kept from the optimizer', () => {
    const m = new Sequential([new Recentre(), new Dense({ units: 3 })], { inputShape: [4], seed: 3 });
    m.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 0.01, weight_decay: 0.1 }, loss: 'softmax_cross_entropy' });
    const rc = m.layers[0] as Recentre;
    expect(m.state.length).toBe(4);
    expect(Array.from(m.state)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(m.params.length).toBe(4 + 4 * 3 + 3); // state is not a parameter
    expect(rc.mean.value.buffer).toBe(m.state.buffer);
    const { x, y } = data(16, 4, 3, 5);
    m.predict(x);
    expect(Array.from(m.state)).toEqual([0.5, 0.5, 0.5, 0.5]); // inference leaves it alone
    m.trainOnBatch(x, y);
    // One update from 0.5 toward the batch mean, exactly as the layer computes it (no optimizer step on top).
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let b = 0; b < 16; b++) s += x.data[b * 4 + j];
      expect(m.state[j]).toBeCloseTo(0.45 + 0.1 * (s / 16), 6);
    }
    const file = join(dir, 'state.snet');
    saveModel(m, file);
    expect(readModelHeader(file).stateShapes).toEqual([{ layer: rc.name, name: 'running_mean', shape: [4] }]);
    const back = loadModel(file);
    expect(Array.from(back.state)).toEqual(Array.from(m.state));
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
  });
});
