// The wasm backend's step kernels (assembly/step.ts) against the NumPy fixture, exactly as the
// reference kernels are tested (test/optimizers/harness.ts); both backends' kernels on the same hand-made
// cases (NaN, −0, subnormals); buffers outside wasm memory handed to the reference kernels; the
// float64-accumulated sum of squares.

import { loadWasmBackend, referenceBackend, shutdownWasm } from '../../lib/backend';
import { referenceStepKernels } from '../../lib/backend/reference-step';
import { createOptimizer, type Optimizer } from '../../lib/optimizers';
import { sumSquares } from '../../lib/ops';
import { casesFor, gradient, problem, worstError } from '../optimizers/harness';

const wasm = loadWasmBackend();
afterAll(() => shutdownWasm());

/** The harness's loop with params, grads and decay in wasm memory, so the fused kernel runs. */
function runInWasm(opt: Optimizer): number[][] {
  const n = problem.w0.length;
  const params = wasm.alloc(n);
  params.set(problem.w0);
  const grads = wasm.alloc(n);
  const decay = wasm.alloc(n);
  decay.set(problem.d);
  const out: number[][] = [];
  for (let s = 0; s < problem.steps; s++) {
    opt.lookahead?.(params);
    gradient(grads, params);
    opt.step(params, grads, decay);
    out.push(Array.from(params));
  }
  return out;
}

test('the SIMD kernels are loaded (not the reference loops)', () => {
  expect(wasm.stepKernels).not.toBe(referenceStepKernels);
  expect(referenceBackend.stepKernels).toBe(referenceStepKernels);
});

describe.each(['sgd', 'momentum', 'rmsprop', 'adam', 'nadam', 'nag'])('%s in wasm memory matches the NumPy fixture', (name) => {
  test.each(casesFor(name).map((c) => [JSON.stringify(c.config), c] as const))('%s', (_label, c) => {
    const opt = createOptimizer(name, c.config);
    opt.useBackend?.(wasm);
    const { ratio, where } = worstError(runInWasm(opt), c.steps);
    expect([ratio <= 1, where]).toEqual([true, where]);
  });
});

test('one backend call per step: buffers in wasm memory run the SIMD kernel, plain arrays the reference loop', () => {
  const k = wasm.stepKernels;
  let calls = 0;
  const spy = { ...k, adam: (...args: Parameters<typeof k.adam>) => { calls++; k.adam(...args); } };
  const ref = jest.spyOn(referenceStepKernels, 'adam');
  try {
    const opt = createOptimizer('adam', {});
    opt.useBackend?.({ ...wasm, stepKernels: spy });
    runInWasm(opt);
    expect([calls, ref.mock.calls.length]).toEqual([problem.steps, 0]);
    // Plain Float32Arrays: the wasm backend hands them to the reference kernel, within the same call.
    const plain = Float32Array.from(problem.w0);
    const before = Float32Array.from(plain);
    const fresh = createOptimizer('adam', {});
    fresh.useBackend?.({ ...wasm, stepKernels: spy });
    fresh.step(plain, new Float32Array(plain.length).fill(0.5), Float32Array.from(problem.d));
    expect([calls, ref.mock.calls.length]).toEqual([problem.steps + 1, 1]);
    expect(Array.from(plain)).not.toEqual(Array.from(before));
  } finally {
    ref.mockRestore();
  }
});

test('nag runs both halves in wasm: the look-ahead (axpy) and the step from it (momentum with back = γ)', () => {
  const k = wasm.stepKernels;
  const seen: string[] = [];
  const spy = {
    ...k,
    axpy: (...args: Parameters<typeof k.axpy>) => { k.axpy(...args); seen.push(`axpy ${args[2]}`); },
    momentum: (...args: Parameters<typeof k.momentum>) => { k.momentum(...args); seen.push(`step back ${args[4].back}`); },
  };
  const opt = createOptimizer('nag', { momentum: 0.5 });
  opt.useBackend?.({ ...wasm, stepKernels: spy });
  runInWasm(opt);
  expect(seen).toEqual(Array.from({ length: problem.steps }, () => ['axpy -0.5', 'step back 0.5']).flat());
});

test('sumSquares in wasm equals the float64 loop, at every length mod 4', () => {
  for (const n of [0, 1, 3, 4, 5, 1001]) {
    const x = wasm.alloc(n);
    for (let i = 0; i < n; i++) x[i] = Math.sin(i) * 3;
    expect(wasm.stepKernels.sumSquares(x)).toBeCloseTo(sumSquares(x), 9);
  }
  expect(wasm.stepKernels.sumSquares(Float32Array.of(1, 2, 3, 4, 5))).toBe(55); // a plain array: the reference loop
});

test('a model on the wasm backend takes the fused path on every step (params, grads, decay and slots all in wasm memory)', () => {
  const { Sequential, Dense, Tensor, setBackend, getBackend } = require('../../lib') as typeof import('../../lib');
  const before = getBackend().name;
  setBackend('wasm');
  try {
    const k = wasm.stepKernels;
    let accepted = 0;
    const ref = jest.spyOn(referenceStepKernels, 'adam');
    const spy = { ...k, adam: (...args: Parameters<typeof k.adam>) => { k.adam(...args); accepted++; } };
    const model = new Sequential([new Dense({ units: 8, activation: 'relu' }), new Dense({ units: 3 })], { inputShape: [5], seed: 1 });
    model.build();
    const saved = wasm.stepKernels;
    wasm.stepKernels = spy;
    try {
      model.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy' });
    } finally {
      wasm.stepKernels = saved;
    }
    const x = new Tensor(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [8, 5]);
    model.fit(x, Uint8Array.from([0, 1, 2, 0, 1, 2, 0, 1]), { epochs: 3, batchSize: 4 });
    expect([accepted, ref.mock.calls.length]).toEqual([6, 0]);
    ref.mockRestore();
  } finally {
    setBackend(before);
  }
});

test('relu and its backward in wasm equal the definition, at every length mod 4, including in place', () => {
  const k = wasm.stepKernels;
  for (const n of [1, 3, 4, 7, 64]) {
    const x = wasm.alloc(n);
    const dy = wasm.alloc(n);
    for (let i = 0; i < n; i++) {
      x[i] = (i % 3) - 1 + 0.25 * Math.sin(i); // negatives, positives and exact zeros' neighbours
      dy[i] = Math.cos(i);
    }
    const y = wasm.alloc(n);
    k.relu(y, x, n);
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.max(0, v)));
    const dx = wasm.alloc(n);
    k.reluBackward(dx, dy, y, n);
    expect(Array.from(dx)).toEqual(Array.from(dy, (v, i) => (y[i] > 0 ? v : 0)));
    k.relu(x, x, n);
    expect(Array.from(x)).toEqual(Array.from(y));
  }
});

// The same special values through both backends' kernels, at both SIMD lanes and the scalar tail
// (11 values: two vectors of 4 and a tail of 3, and the values shifted by one lane in a second pass).
const SPECIAL = [NaN, -0, 0, 2 ** -140, -(2 ** -130), 2 ** -126, -1.5, 3, Infinity, -Infinity, NaN];

test.each([0, 1])('relu, reluBackward and axpy agree on both backends for NaN, ±0, ±∞ and subnormals (shift %i)', (shift) => {
  const values = [...SPECIAL.slice(shift), ...SPECIAL.slice(0, shift)];
  const n = values.length;
  const results = [referenceBackend, wasm].map((be) => {
    const k = be.stepKernels;
    const x = be.alloc(n);
    x.set(values);
    const y = be.alloc(n);
    k.relu(y, x, n);
    const dy = be.alloc(n);
    dy.set(values.map((_, i) => i - 5));
    const dx = be.alloc(n);
    k.reluBackward(dx, dy, y, n);
    const acc = be.alloc(n);
    acc.set(values.map((v) => (Number.isFinite(v) ? 2 ** -126 : 1))); // the smallest normal minus a little is subnormal: flushed
    k.axpy(acc, x, -0.25);
    return { y: Array.from(y), dx: Array.from(dx), axpy: Array.from(acc) };
  });
  expect(results[1]).toEqual(results[0]); // toEqual tells −0 from 0 and matches NaN with NaN
  // NaN stays NaN through relu (a diverged run must not look healthy); relu(−0) = 0.
  values.forEach((v, i) => {
    if (Number.isNaN(v)) expect(results[0].y[i]).toBeNaN();
    if (Object.is(v, -0)) expect(Object.is(results[0].y[i], 0)).toBe(true);
  });
  expect(results[0].axpy.some((v, i) => v === 0 && values[i] !== 0 && Number.isFinite(values[i]))).toBe(true);
});
