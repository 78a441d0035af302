// The wasm backend's fused optimizer steps (assembly/step.ts) against the NumPy fixture, exactly
// as the TypeScript loops are tested (test/optimizers/harness.ts), plus the fallback for buffers
// outside wasm memory and the float64-accumulated sum of squares.

import { loadWasmBackend, shutdownWasm } from '../../lib/backend';
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

test('the kernels are loaded', () => {
  expect(wasm.stepKernels).toBeTruthy();
});

describe.each(['sgd', 'momentum', 'rmsprop', 'adam', 'nadam', 'nag'])('%s in wasm memory matches the NumPy fixture', (name) => {
  test.each(casesFor(name).map((c) => [JSON.stringify(c.config), c] as const))('%s', (_label, c) => {
    const opt = createOptimizer(name, c.config);
    opt.useBackend?.(wasm);
    const { ratio, where } = worstError(runInWasm(opt), c.steps);
    expect([ratio <= 1, where]).toEqual([true, where]);
  });
});

test('the kernel path really runs: a spy sees every adam step, and plain arrays fall back to the loop', () => {
  const k = wasm.stepKernels!;
  let calls = 0;
  let accepted = 0;
  const spy = { ...k, adam: (...args: Parameters<typeof k.adam>) => { calls++; const ok = k.adam(...args); if (ok) accepted++; return ok; } };
  const opt = createOptimizer('adam', {});
  opt.useBackend?.({ ...wasm, stepKernels: spy });
  runInWasm(opt);
  expect([calls, accepted]).toEqual([problem.steps, problem.steps]);
  // Plain Float32Arrays: the kernel declines, the TypeScript loop does the step.
  const plain = Float32Array.from(problem.w0);
  const before = Float32Array.from(plain);
  opt.step(plain, new Float32Array(plain.length).fill(0.5), Float32Array.from(problem.d));
  expect(accepted).toBe(problem.steps);
  expect(Array.from(plain)).not.toEqual(Array.from(before));
});

test('nag runs both halves in wasm: the look-ahead (axpy) and the step from it (momentum with back = γ)', () => {
  const k = wasm.stepKernels!;
  const seen: string[] = [];
  const spy = {
    ...k,
    axpy: (...args: Parameters<typeof k.axpy>) => { if (k.axpy(...args)) seen.push(`axpy ${args[2]}`); return true; },
    momentum: (...args: Parameters<typeof k.momentum>) => { if (k.momentum(...args)) seen.push(`step back ${args[4].back}`); return true; },
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
    expect(wasm.stepKernels!.sumSquares(x)).toBeCloseTo(sumSquares(x), 9);
  }
  expect(wasm.stepKernels!.sumSquares(new Float32Array(4))).toBeNull();
});

test('a model on the wasm backend takes the fused path on every step (params, grads, decay and slots all in wasm memory)', () => {
  const { Sequential, Dense, Tensor, setBackend, getBackend } = require('../../lib') as typeof import('../../lib');
  const before = getBackend().name;
  setBackend('wasm');
  try {
    const k = wasm.stepKernels!;
    let accepted = 0;
    const spy = { ...k, adam: (...args: Parameters<typeof k.adam>) => { const ok = k.adam(...args); if (ok) accepted++; return ok; } };
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
    expect(accepted).toBe(6);
  } finally {
    setBackend(before);
  }
});

test('relu and its backward in wasm equal the definition, at every length mod 4, including in place', () => {
  const k = wasm.stepKernels!;
  for (const n of [1, 3, 4, 7, 64]) {
    const x = wasm.alloc(n);
    const dy = wasm.alloc(n);
    for (let i = 0; i < n; i++) {
      x[i] = (i % 3) - 1 + 0.25 * Math.sin(i); // negatives, positives and exact zeros' neighbours
      dy[i] = Math.cos(i);
    }
    const y = wasm.alloc(n);
    expect(k.relu(y, x, n)).toBe(true);
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.max(0, v)));
    const dx = wasm.alloc(n);
    expect(k.reluBackward(dx, dy, y, n)).toBe(true);
    expect(Array.from(dx)).toEqual(Array.from(dy, (v, i) => (y[i] > 0 ? v : 0)));
    expect(k.relu(x, x, n)).toBe(true);
    expect(Array.from(x)).toEqual(Array.from(y));
  }
  expect(k.relu(new Float32Array(4), wasm.alloc(4), 4)).toBe(false);
});
