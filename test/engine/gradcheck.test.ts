// Every backward pass in the engine against central finite differences (lib/gradcheck.ts).
// Tolerance: relative error ≤ 1e-2. In float32 with ε = 1e-3 a correct backward lands around
// 1e-4..1e-3 (rounding of the forward pass divided by 2ε); a wrong one lands near 1e-1 or above,
// as the deliberately broken layer at the end shows.

import {
  CategoricalCrossEntropy, Dense, Flatten, Identity, MeanSquaredError, ReLU, Sequential, Sigmoid, Softmax,
  SoftmaxCrossEntropy, Tanh, Tensor, WeightedCrossEntropy, checkLayerGradients, checkLossGradient,
  checkModelGradients, checkGradientAccumulation, Cubic, Conv2D, BatchNormalization, Rng, getBackend, setBackend, shutdownWasm, type Layer,
} from '../../lib';
import { toyBatch } from './toy-data';

const TOL = 1e-2;

function expectLayerOk(layer: Layer, inputShape: number[], opts = {}): void {
  const r = checkLayerGradients(layer, inputShape, { batch: 4, seed: 7, ...opts });
  expect(r.input.checked).toBeGreaterThan(0);
  expect(Number.isFinite(r.input.maxRelError)).toBe(true);
  expect(r.input.maxRelError).toBeLessThan(TOL);
  for (const [name, p] of Object.entries(r.params)) {
    expect([name, p.checked > 0]).toEqual([name, true]);
    expect([name, Number.isFinite(p.maxRelError)]).toEqual([name, true]); // NaN would pass every < below
    expect(p.maxRelError).toBeLessThan(TOL);
  }
}

// The whole suite runs on both backends: the wasm kernels and the reference TypeScript loops.
const previous = getBackend().name;
afterAll(() => {
  setBackend(previous);
  shutdownWasm();
});

describe.each(['wasm', 'reference'])('%s backend', (backend) => {
  beforeAll(() => {
    setBackend(backend);
  });

  describe('layer gradients match finite differences', () => {
    test('Dense (kernel, bias, input)', () => expectLayerOk(new Dense({ units: 5 }), [6]));
    test('Dense with tanh activation', () => expectLayerOk(new Dense({ units: 4, activation: 'tanh' }), [3]));
    test('Dense with sigmoid activation', () => expectLayerOk(new Dense({ units: 4, activation: 'sigmoid', kernelInitializer: 'he_normal' }), [5]));
    test('Dense without bias', () => {
      const d = new Dense({ units: 3, useBias: false });
      expectLayerOk(d, [4]);
      expect(d.params.map((p) => p.name)).toEqual(['kernel']);
    });
    test('Identity', () => expectLayerOk(new Identity(), [5]));
    test('Sigmoid (also far into both tails)', () => expectLayerOk(new Sigmoid(), [6], { inputRange: [-6, 6] }));
    test('Tanh', () => expectLayerOk(new Tanh(), [6], { inputRange: [-2, 2] }));
    // ReLU has a kink at 0: inputs are kept at |x| ≥ 0.05, beyond ε, so the difference is one-sided-free.
    test('ReLU', () => expectLayerOk(new ReLU(), [8], { minAbsInput: 0.05 }));
    test('Softmax', () => expectLayerOk(new Softmax(), [5], { inputRange: [-3, 3] }));
    test('Flatten', () => expectLayerOk(new Flatten(), [2, 3, 2]));
  });

  describe('loss gradients match finite differences', () => {
    const B = 4;
    const C = 5;
    const rng = new Rng(3);
    const logits = () => Float32Array.from({ length: B * C }, () => 2 * rng.normal());
    const probs = () => {
      const z = logits();
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let j = 0; j < C; j++) s += (z[b * C + j] = Math.exp(z[b * C + j]));
        for (let j = 0; j < C; j++) z[b * C + j] /= s;
      }
      return z;
    };
    const onehot = () => {
      const y = new Float32Array(B * C);
      for (let b = 0; b < B; b++) y[b * C + rng.int(C)] = 1;
      return y;
    };
    test('softmax cross-entropy from logits', () => {
      expect(checkLossGradient(new SoftmaxCrossEntropy(), logits(), onehot(), B, C).maxRelError).toBeLessThan(TOL);
    });
    test('softmax cross-entropy with soft targets', () => {
      const y = probs();
      expect(checkLossGradient(new SoftmaxCrossEntropy(), logits(), y, B, C).maxRelError).toBeLessThan(TOL);
    });
    test('cross-entropy on probabilities', () => {
      // ε smaller than the smallest probability keeps both sides inside the clip range.
      const p = probs();
      const eps = Math.min(1e-4, 0.5 * Math.min(...p));
      expect(checkLossGradient(new CategoricalCrossEntropy(), p, onehot(), B, C, { eps }).maxRelError).toBeLessThan(TOL);
    });
    test('mean squared error', () => {
      expect(checkLossGradient(new MeanSquaredError(), probs(), onehot(), B, C).maxRelError).toBeLessThan(TOL);
    });
    test('class-weighted cross-entropy, one-hot and soft targets', () => {
      const loss = new WeightedCrossEntropy(C, [1, 2.5, 0.5, 1, 3]);
      expect(checkLossGradient(loss, logits(), onehot(), B, C).maxRelError).toBeLessThan(TOL);
      expect(checkLossGradient(loss, logits(), probs(), B, C).maxRelError).toBeLessThan(TOL);
    });
  });

  describe('whole-model gradients', () => {
    const data = toyBatch;

    test('3-layer MLP (tanh, sigmoid) ending in softmax, cross-entropy on probabilities', () => {
      const model = new Sequential([
        new Dense({ units: 7, activation: 'tanh' }),
        new Dense({ units: 6, activation: 'sigmoid' }),
        new Dense({ units: 4 }),
        new Softmax(),
      ], { inputShape: [5], seed: 11 });
      model.compile({ optimizer: 'sgd', loss: 'cross_entropy' });
      const { x, y } = data(6, 5, 4, 2);
      // Smooth activations only, so a larger ε (1e-2) is safe: truncation error O(ε²) stays ~1e-4,
      // while float32 rounding noise (~3e-5 absolute at ε = 1e-3 on gradients of ~1e-3) shrinks 10x.
      const r = checkModelGradients(model, x, y, { eps: 1e-2 });
      expect(r.checked).toBe(model.countParams());
      expect(r.maxRelError).toBeLessThan(TOL);
    });

    test('3-layer ReLU MLP on logits, softmax cross-entropy', () => {
      const model = new Sequential([
        new Dense({ units: 8, kernelInitializer: 'he_normal' }), new ReLU(),
        new Dense({ units: 8, kernelInitializer: 'he_normal' }), new ReLU(),
        new Dense({ units: 3 }),
      ], { inputShape: [4], seed: 5 });
      model.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy' });
      const { x, y } = data(5, 4, 3, 9);
      // A pre-activation within ε of 0 would put a ReLU kink inside the difference quotient. Assert
      // none is that close (the weights only move by ε), so the check is fair rather than lucky.
      let h = x;
      for (const l of model.layers) {
        h = l.forward(h, { training: false });
        if (l instanceof Dense) expect(Math.min(...Array.from(h.data, Math.abs))).toBeGreaterThan(0.01);
      }
      const r = checkModelGradients(model, x, y);
      expect(r.maxRelError).toBeLessThan(TOL);
    });

    test('the fused softmax/cross-entropy gradient equals the full chain', () => {
      const mk = () => {
        const m = new Sequential([new Dense({ units: 6, activation: 'tanh' }), new Dense({ units: 4 }), new Softmax()], { inputShape: [3], seed: 4 });
        m.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'cross_entropy' });
        return m;
      };
      const fused = mk();
      const ref = mk();
      const { x, y } = data(5, 3, 4, 8);
      // Reference: the full chain through Softmax.backward.
      checkModelGradients(ref, x, y, { maxChecks: 1 });
      const full = Float32Array.from(ref.grads);
      const before = Float32Array.from(fused.params);
      fused.trainOnBatch(x, y);
      // SGD: Δw = −0.1·g  ⇒  g = (before − after) / 0.1
      for (let i = 0; i < full.length; i++) {
        expect((before[i] - fused.params[i]) / 0.1).toBeCloseTo(full[i], 4);
      }
    });
  });

  describe('the check catches a wrong backward pass', () => {
    // Sigmoid whose backward forgets the (1 − y) factor: dy·y instead of dy·y(1 − y).
    class BrokenSigmoid extends Sigmoid {
      protected override derive(dx: Float32Array, dy: Readonly<Float32Array>, _x: Readonly<Float32Array>, y: Readonly<Float32Array>, n: number): void {
        for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i];
      }
    }
    // Dense whose weight gradient is off by a transpose-like index slip (uses dz of the wrong row).
    class BrokenDense extends Dense {
      override backward(dy: Tensor): Tensor {
        const dx = super.backward(dy);
        this.kernel.grad[0] *= 2;
        return dx;
      }
    }

    test('a sigmoid missing a factor fails', () => {
      const r = checkLayerGradients(new BrokenSigmoid(), [6], { batch: 4, seed: 7 });
      expect(r.input.maxRelError).toBeGreaterThan(0.1);
    });

    test('a dense layer with one wrong weight gradient fails, and the worst index points at it', () => {
      const r = checkLayerGradients(new BrokenDense({ units: 3 }), [4], { batch: 4, seed: 7 });
      expect(r.params.kernel.maxRelError).toBeGreaterThan(0.1);
      expect(r.params.kernel.worst.index).toBe(0);
      expect(r.params.bias.maxRelError).toBeLessThan(TOL);
    });
  });

  describe('backward adds into the gradients (called twice without clearing: exactly double)', () => {
    const layers: [string, () => Layer, number[]][] = [
      ['Dense', () => new Dense({ units: 5 }), [6]],
      ['Dense with softmax activation', () => new Dense({ units: 4, activation: 'softmax' }), [3]],
      ['Dense without bias', () => new Dense({ units: 3, useBias: false }), [4]],
      ['Cubic', () => new Cubic({ units: 4 }), [5]],
      ['Conv2D', () => new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }), [5, 6, 2]],
      ['BatchNormalization (training: batch statistics)', () => new BatchNormalization(), [6]],
    ];
    test.each(layers)('%s', (name, make, shape) => {
      const r = checkGradientAccumulation(make(), shape, { batch: 4, seed: 3, training: name.startsWith('BatchNormalization') });
      expect(r.checked).toBeGreaterThan(0);
      expect(r.maxAbsGrad).toBeGreaterThan(1e-3);
      expect(r.maxRelError).toBeLessThan(1e-5); // float32: 2g rounds at most once more than g
      expect(r.maxInputRelError).toBe(0); // dx does not depend on the gradients already there
    });

    test('a backward that overwrites instead of adding is caught', () => {
      class Overwriting extends Dense {
        override backward(dy: Tensor): Tensor {
          for (const p of this.params) p.grad.fill(0);
          return super.backward(dy);
        }
      }
      expect(checkGradientAccumulation(new Overwriting({ units: 3 }), [4], { batch: 4 }).maxRelError).toBeGreaterThan(0.4);
    });
  });
});
