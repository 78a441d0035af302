// PyTorch's recipe, piece by piece: its default initialisation (pytorch_uniform, for weights and biases
// alike) and weight decay on every parameter (compile's weightDecayOn: 'all'), next to the Keras
// defaults that stay unchanged (biases at zero, decay on kernels only); and three steps of a small
// CNN fed channels-first images against PyTorch itself (test/fixtures/pytorch-recipe/make_fixture.py).

import {
  BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D, Permute, ReLU, Rng, Sequential, Tensor, getInitializer, type WeightDecayOn,
} from '../../lib';
import recipe from '../fixtures/pytorch-recipe/recipe.json';

/** Bounds of a parameter's values. */
function extent(a: Float32Array): { min: number; max: number; maxAbs: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, maxAbs: Math.max(-min, max) };
}

describe('pytorch_uniform: U(−1/√fanIn, 1/√fanIn), as nn.Linear and nn.Conv2d draw weight and bias', () => {
  test('the named initializer fills within the bound and reaches near both ends, mean near 0', () => {
    const out = getInitializer('pytorch_uniform')(new Float32Array(20000), 64, 7, new Rng(5));
    const e = extent(out);
    // A draw lands above 0.124 with probability 0.001/0.25 = 0.004: none of 20,000 does with probability ≈ e⁻⁸⁰.
    expect(e.maxAbs).toBeLessThanOrEqual(1 / 8);
    expect(e.min).toBeLessThan(-0.124);
    expect(e.max).toBeGreaterThan(0.124);
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    // Standard error of the mean: (1/8)/√3/√20000 ≈ 5e-4.
    expect(Math.abs(mean)).toBeLessThan(3e-3);
    // Variance of U(−a, a) is a²/3.
    const variance = out.reduce((s, v) => s + v * v, 0) / out.length;
    expect(variance).toBeCloseTo(1 / 64 / 3, 4);
  });

  test("Dense: kernel and bias both use the layer's fanIn (input features), not the bias's length", () => {
    const dense = new Dense({ units: 50, kernelInitializer: 'pytorch_uniform', biasInitializer: 'pytorch_uniform' });
    new Sequential([dense], { inputShape: [200], seed: 3 }).build();
    const bound = 1 / Math.sqrt(200);
    const k = extent(dense.kernel.value);
    const b = extent(dense.bias!.value);
    expect(k.maxAbs).toBeLessThanOrEqual(bound);
    expect(k.maxAbs).toBeGreaterThan(0.99 * bound);
    // With fanIn = 50 (the bias's own length) the bound would be twice as wide: 50 draws would all
    // stay inside half of it with probability 2⁻⁵⁰.
    expect(b.maxAbs).toBeLessThanOrEqual(bound);
    expect(b.maxAbs).toBeGreaterThan(0.5 * bound);
  });

  test('Conv2D: fanIn = KH·KW·C for kernel and bias (PyTorch: in_channels·kh·kw)', () => {
    const conv = new Conv2D({ filters: 40, kernelSize: 3, kernelInitializer: 'pytorch_uniform', biasInitializer: 'pytorch_uniform' });
    new Sequential([conv], { inputShape: [5, 5, 4], seed: 4 }).build();
    const bound = 1 / Math.sqrt(3 * 3 * 4);
    expect(extent(conv.kernel.value).maxAbs).toBeLessThanOrEqual(bound);
    expect(extent(conv.kernel.value).maxAbs).toBeGreaterThan(0.99 * bound);
    expect(extent(conv.bias!.value).maxAbs).toBeLessThanOrEqual(bound);
    expect(extent(conv.bias!.value).maxAbs).toBeGreaterThan(0.5 * bound);
  });

  test('the defaults are unchanged: glorot_uniform kernels, zero biases', () => {
    const dense = new Dense({ units: 50 });
    new Sequential([dense], { inputShape: [200], seed: 3 }).build();
    expect(extent(dense.bias!.value)).toEqual({ min: 0, max: 0, maxAbs: 0 });
    expect(extent(dense.kernel.value).maxAbs).toBeGreaterThan(0.99 * Math.sqrt(6 / 250));
  });
});

describe("compile's weightDecayOn: which parameters the optimizer's weight_decay reaches", () => {
  function model(): Sequential {
    return new Sequential([new Flatten(), new Dense({ units: 3 }), new BatchNormalization(), new ReLU(), new Dense({ units: 2 })], { inputShape: [2, 2], seed: 1 });
  }
  // Parameters in layer order: kernel 4×3, bias 3, γ 3, β 3, kernel 3×2, bias 2.
  const kernelsOnly = [...Array(12).fill(1), ...Array(9).fill(0), ...Array(6).fill(1), 0, 0];

  test("'kernels' (the default, Keras): 1 on kernels, 0 on biases and batch norm's γ, β", () => {
    const m = model().compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy' });
    expect(Array.from(m.decay)).toEqual(kernelsOnly);
  });

  test("'all' (torch.optim.SGD): 1 on every parameter; compiling again with 'kernels' restores the multipliers", () => {
    const m = model().compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy', weightDecayOn: 'all' });
    expect(Array.from(m.decay)).toEqual(Array(29).fill(1));
    m.compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy', weightDecayOn: 'kernels' });
    expect(Array.from(m.decay)).toEqual(kernelsOnly);
  });

  test('an unknown value is refused, naming it and the choices', () => {
    expect(() => model().compile({ optimizer: 'sgd', loss: 'softmax_cross_entropy', weightDecayOn: 'biases' as never })).toThrow(/weightDecayOn must be one of kernels, all, got "biases"/);
  });

  test("one SGD step with 'all' moves a bias by −η·(g + λ·b), by hand", () => {
    const m = new Sequential([new Dense({ units: 1, biasInitializer: 'ones', kernelInitializer: 'zeros' })], { inputShape: [1], seed: 1 });
    m.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.5, weight_decay: 0.1 }, loss: 'mean_squared_error', weightDecayOn: 'all' });
    // x = 0, target 1, output b = 1: the loss gradient is 0, only the decay moves b: 1 − 0.5·0.1·1 = 0.95.
    // (With 'kernels' the bias would stay at 1; the kernel, at 0, does not move either way.)
    m.trainOnBatch(new Tensor(Float32Array.of(0), [1, 1]), new Tensor(Float32Array.of(1), [1, 1]));
    expect(Array.from(m.params)).toEqual([0, Math.fround(0.95)]);
  });
});

describe('three SGD steps of a small CNN against PyTorch (float64, weight_decay on every parameter)', () => {
  // The fixture's model in scratchnet: NCHW input, Permute to channels last, and back before Flatten so
  // that Dense sees the features in torch's (C, H, W) order.
  function twin(): Sequential {
    const m = new Sequential([
      new Permute({ dims: [2, 3, 1] }), new Conv2D({ filters: 3, kernelSize: 3, padding: 1 }), new BatchNormalization(), new ReLU(), new MaxPooling2D(),
      new Permute({ dims: [3, 1, 2] }), new Flatten(), new Dense({ units: 5 }), new BatchNormalization(), new ReLU(), new Dense({ units: 3 }),
    ], { inputShape: [2, 4, 4] });
    m.build();
    m.params.set(recipe.initial);
    return m;
  }
  function train(on: WeightDecayOn): { m: Sequential; losses: number[] } {
    const m = twin();
    m.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: recipe.lr, weight_decay: recipe.weight_decay }, loss: 'softmax_cross_entropy', weightDecayOn: on });
    const losses: number[] = [];
    for (const batch of recipe.batches) {
      const y = Tensor.zeros([4, 3]);
      batch.labels.forEach((label, b) => { y.data[b * 3 + label] = 1; });
      losses.push(m.trainOnBatch(new Tensor(Float32Array.from(batch.x), [4, 2, 4, 4]), y).loss);
    }
    return { m, losses };
  }
  /** |a − e| ≤ 1e-5 + 1e-4·|e|: float32 against float64 over three steps is ~1e-6; a missed decay term is ~1e-3. */
  function worstExcess(actual: ArrayLike<number>, expected: readonly number[]): { index: number; excess: number } {
    let worst = { index: -1, excess: 0 };
    expected.forEach((e, i) => {
      const excess = Math.abs(actual[i] - e) - (1e-5 + 1e-4 * Math.abs(e));
      if (excess > worst.excess) worst = { index: i, excess };
    });
    return worst;
  }

  test("weightDecayOn 'all': the losses, every parameter, and both batch norms' running mean and (unbiased) variance follow PyTorch", () => {
    const { m, losses } = train('all');
    const last = recipe.steps[recipe.steps.length - 1];
    expect(losses.map((l) => Number(l.toFixed(5)))).toEqual(recipe.steps.map((s) => Number(s.loss.toFixed(5))));
    expect(worstExcess(m.params, last.params)).toEqual({ index: -1, excess: 0 });
    const bns = m.layers.filter((l): l is BatchNormalization => l instanceof BatchNormalization);
    bns.forEach((bn, i) => {
      expect(worstExcess(bn.movingMean.value, last.running[i].mean)).toEqual({ index: -1, excess: 0 });
      expect(worstExcess(bn.movingVariance.value, last.running[i].variance)).toEqual({ index: -1, excess: 0 });
    });
    const x0 = new Tensor(Float32Array.from(recipe.batches[0].x), [4, 2, 4, 4]);
    expect(worstExcess(m.predict(x0).data, recipe.eval_output)).toEqual({ index: -1, excess: 0 });
  });

  test("weightDecayOn 'kernels' leaves biases, γ and β undecayed, so the run misses PyTorch's values (the test can tell)", () => {
    const { m } = train('kernels');
    const last = recipe.steps[recipe.steps.length - 1].params;
    expect(worstExcess(m.params, last).index).toBeGreaterThanOrEqual(0);
    // The conv bias (parameters 54..56, after the 3·3·2·3 kernel) feeds a batch norm, which subtracts
    // it again: its loss gradient is 0, so only decay moves it. PyTorch's: b·(1 − η·λ)³; undecayed: b.
    const b0 = recipe.initial.slice(54, 57);
    expect(worstExcess(last.slice(54, 57), b0.map((b) => b * (1 - recipe.lr * recipe.weight_decay) ** 3)).index).toBe(-1);
    expect(worstExcess(m.params.subarray(54, 57), b0).index).toBe(-1);
    expect(Math.abs(b0[0])).toBeGreaterThan(0.01);
  });
});
