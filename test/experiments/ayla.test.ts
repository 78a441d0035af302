// The AYLA loss transform against values computed by hand, for both exponent rules and
// on both sides of |L| = 1, and its effect inside a training step: every gradient scaled by
// n·|L|^(n−1), so one SGD step moves the weights exactly that many times further.

import { Dense, Sequential, Softmax, Tensor, aylaTransform, type AylaRule, type LossTransform } from '../../lib';

describe('aylaTransform values and gradient scales (N1 = 1.5, N2 = 0.5)', () => {
  // By hand: 4^1.5 = 8, 1.5·4^0.5 = 3;  4^0.5 = 2, 0.5·4^−0.5 = 0.25;
  //          0.25^0.5 = 0.5, 0.5·0.25^−0.5 = 1;  0.25^1.5 = 0.125, 1.5·0.25^0.5 = 0.75.
  const cases: [string, AylaRule | 'seed' | 'author', number, number, number][] = [
    ['n1-above rule, |L| > 1 uses N1', 'n1-above', 4, 8, 3],
    ['n1-above rule, |L| < 1 uses N2', 'n1-above', 0.25, 0.5, 1],
    ['n1-below rule, |L| > 1 uses N2', 'n1-below', 4, 2, 0.25],
    ['n1-below rule, |L| < 1 uses N1', 'n1-below', 0.25, 0.125, 0.75],
    ["the old name 'seed' is n1-above", 'seed', 4, 8, 3],
    ["the old name 'author' is n1-below", 'author', 4, 2, 0.25],
  ];
  test.each(cases)('%s', (_name, rule, L, value, scale) => {
    const t = aylaTransform({ n1: 1.5, n2: 0.5, rule })(L);
    expect(t.value).toBeCloseTo(value, 12);
    expect(t.scale).toBeCloseTo(scale, 12);
  });

  test('a negative loss keeps its sign: sign(L)|L|^n', () => {
    const t = aylaTransform({ n1: 1.5, n2: 0.5 })(-4);
    expect(t.value).toBeCloseTo(-8, 12);
    expect(t.scale).toBeCloseTo(3, 12);
  });

  test('the scale is the derivative of the value (central difference)', () => {
    for (const rule of ['n1-above', 'n1-below'] as const) {
      const f = aylaTransform({ n1: 2.5, n2: 0.7, rule });
      for (const L of [0.1, 0.6, 1.3, 3.7]) {
        const h = 1e-6;
        const numeric = (f(L + h).value - f(L - h).value) / (2 * h);
        expect(f(L).scale).toBeCloseTo(numeric, 5);
      }
    }
  });

  test('bad exponents and rules are refused with the value named', () => {
    expect(() => aylaTransform({ n1: 0, n2: 1 })).toThrow(/N1 must be a positive number, got 0/);
    expect(() => aylaTransform({ n1: 1, n2: NaN })).toThrow(/N2 must be a positive number, got NaN/);
    expect(() => aylaTransform({ n1: 1, n2: 1, rule: 'x' as AylaRule })).toThrow(/unknown AYLA exponent rule 'x': expected n1-above or n1-below/);
  });
});

describe('inside a training step', () => {
  function tiny(transform: LossTransform | null): Sequential {
    const m = new Sequential([new Dense({ units: 5, activation: 'relu' }), new Dense({ units: 3 }), new Softmax()], { inputShape: [4], seed: 3 });
    m.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'cross_entropy', lossTransform: transform });
    return m;
  }
  const x = Tensor.from([0.5, -1, 2, 0.3, 1.5, 0.2, -0.7, 1, -0.4, 0.9, 0.1, -2], [3, 4]);
  const y = Tensor.from([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]);

  test.each([['n1-above'], ['n1-below']] as const)('rule %s: loss transformed, gradient and step scaled by n·|L|^(n−1)', (rule) => {
    const plain = tiny(null);
    const start = Float32Array.from(plain.params);
    const p = plain.trainOnBatch(x, y);
    const ayla = tiny(aylaTransform({ n1: 3, n2: 0.5, rule }));
    expect(ayla.params).toEqual(start); // same seed, same initial weights
    const a = ayla.trainOnBatch(x, y);
    const L = p.loss;
    const n = (L > 1) === (rule === 'n1-above') ? 3 : 0.5;
    expect(a.loss).toBeCloseTo(L ** n, 5);
    const scale = n * L ** (n - 1);
    expect(a.gradNorm).toBeCloseTo(scale * p.gradNorm, 4);
    for (let i = 0; i < start.length; i++) {
      const dPlain = plain.params[i] - start[i];
      const dAyla = ayla.params[i] - start[i];
      expect(dAyla).toBeCloseTo(scale * dPlain, 5);
    }
  });
});
