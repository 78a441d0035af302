// The Cubic layer (the cubic custom layer, y = x³·V − x·W + b): forward against a hand-computed
// value, backward against finite differences (as every built-in layer in test/engine/gradcheck),
// and a model holding it saved and loaded bit for bit.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cubic, Dense, Sequential, Softmax, Tensor, bindParams, checkLayerGradients, getBackend, loadModel, saveModel, type Layer } from '../../lib';

const TOL = 1e-2;

function expectLayerOk(layer: Layer, inputShape: number[], opts = {}): void {
  const r = checkLayerGradients(layer, inputShape, { batch: 4, seed: 7, ...opts });
  expect(r.input.checked).toBeGreaterThan(0);
  expect(r.input.maxRelError).toBeLessThan(TOL);
  expect(Object.keys(r.params)).toEqual(['v', 'w', 'b']);
  for (const [name, p] of Object.entries(r.params)) {
    expect([name, p.checked > 0]).toEqual([name, true]);
    expect([name, p.maxRelError < TOL]).toEqual([name, true]);
  }
}

describe('Cubic', () => {
  test('forward: y = x³·V − x·W + b, by hand', () => {
    const layer = new Cubic({ units: 2 });
    layer.build([2]);
    bindParams([layer], getBackend());
    layer.v.value.set([1, 2, 3, 4]); // V (2, 2)
    layer.w.value.set([0.5, -1, 2, 0]); // W (2, 2)
    layer.b.value.set([0.25, -0.5]);
    const y = layer.forward(Tensor.from([2, -1], [1, 2]), { training: false });
    // x³ = (8, −1): x³·V = (8·1 − 3, 8·2 − 4) = (5, 12);  x·W = (2·0.5 − 2, 2·(−1) − 0) = (−1, −2)
    // y = (5 + 1 + 0.25, 12 + 2 − 0.5) = (6.25, 13.5)
    expect(Array.from(y.data)).toEqual([6.25, 13.5]);
  });

  // The layer's own init (N(0, 0.05²)) makes tiny outputs; the check uses inputs in [−1, 1] and,
  // separately, larger weights (N(0, 1)), where a wrong 3x² factor or sign could not hide.
  test('backward matches finite differences (input, V, W, b), default init', () => expectLayerOk(new Cubic({ units: 5 }), [6]));
  test('backward matches finite differences with unit-scale weights', () => {
    const init = (out: Float32Array, _fi: number, _fo: number, rng: { normal(): number }) => {
      for (let i = 0; i < out.length; i++) out[i] = rng.normal();
      return out;
    };
    expectLayerOk(new Cubic({ units: 4, initializer: init }), [3]);
  });

  test('bad units are refused', () => {
    expect(() => new Cubic({ units: 0 })).toThrow(/Cubic units must be a positive integer, got 0/);
  });

  test('a model with a Cubic layer saves and loads (registered as "Cubic")', () => {
    const model = new Sequential([new Dense({ units: 6, activation: 'relu' }), new Cubic({ units: 4 }), new Dense({ units: 3 }), new Softmax()], { inputShape: [5], seed: 2 });
    model.compile({ optimizer: 'sgd', loss: 'cross_entropy' });
    const x = Tensor.from(Array.from({ length: 10 }, (_, i) => Math.cos(i)), [2, 5]);
    const before = Float32Array.from(model.predict(x).data);
    const file = join(mkdtempSync(join(tmpdir(), 'scratchnet-cubic-')), 'm.snet');
    saveModel(model, file);
    const loaded = loadModel(file);
    expect(loaded.layers[1]).toBeInstanceOf(Cubic);
    expect((loaded.layers[1] as Cubic).units).toBe(4);
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(before));
  });
});

test('docs/library.md "Write your own layer" shows lib/layers/cubic.ts verbatim', () => {
  const root = join(__dirname, '..', '..');
  const doc = readFileSync(join(root, 'docs', 'library.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Write your own layer'));
  expect(section).toContain(readFileSync(join(root, 'lib', 'layers', 'cubic.ts'), 'utf8').trim());
});
