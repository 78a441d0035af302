// No optimizer leaves a subnormal float (0 < |x| < 2⁻¹²⁶) in the parameters or in any of its slots.
// Intel cores take a slow microcode assist for every subnormal operand and WebAssembly cannot flush
// them, so weight decay pulling never-lit pixels' weights toward zero once made every epoch of the
// default `train` run slower than the last there. The steps flush (lib/optimizers/optimizer.ts).
//
// With the flush disabled (both backends), this test fails for every optimizer: after the 300 steps the
// subnormal counts were, params then slots: sgd 718; momentum 718, u 1059; nag 718, u 1059;
// rmsprop 718, v 0; adam 832, m 1716, v 0; nadam 905, m 1823, v 0 (of 2048 seeded weights).

import { getBackend, referenceBackend, type Backend } from '../../lib/backend';
import type { Dense } from '../../lib/layers/dense';
import { buildAssignmentModel, DEFAULT_CONFIG, loadAssignmentData, OPTIMIZERS } from '../../lib/node/experiments/assignment';
import { countSubnormals, MIN_NORMAL_F32 } from '../../lib/ops';
import { createOptimizer } from '../../lib/optimizers';
import { Tensor } from '../../lib/tensor';

const STEPS = 300;
const B = DEFAULT_CONFIG.batch_size;
// A slice of the shipped Fashion-MNIST (the default data set): 648 training images after the 10%
// validation split, cycled over. A few pixels are never lit in it, so their weights only decay.
const data = loadAssignmentData(DEFAULT_CONFIG.dataset, { limit: { train: 720, test: 10 } });
const F = data.dataset.featureSize;
const N = data.xTrain.shape[0];

/** Pixels that are zero in every training image of the slice. */
function neverLit(): number[] {
  const dead: number[] = [];
  for (let j = 0; j < F; j++) {
    let lit = false;
    for (let r = 0; r < N && !lit; r++) lit = data.xTrain.data[r * F + j] !== 0;
    if (!lit) dead.push(j);
  }
  return dead;
}

/** Where several epochs of weight decay leave a never-lit pixel's weights: from 2⁻¹⁰⁰ down through the subnormals (2⁻¹⁴⁰). */
function tinyValue(k: number): number {
  return (k % 2 ? -1 : 1) * 2 ** (-140 + 40 * ((k * 0.618034) % 1));
}

const dead = neverLit();

test('the data slice has never-lit pixels (else the test below would not exercise decay toward zero)', () => {
  expect(dead.length).toBeGreaterThanOrEqual(2);
});

test.each(OPTIMIZERS.map((o) => [o]))('%s: the default network after 300 steps with weight decay holds no subnormal parameter or slot', (optimizer) => {
  const model = buildAssignmentModel({ ...DEFAULT_CONFIG, optimizer }, F, data.dataset.numClasses);
  try {
    const W1 = (model.layers[0] as Dense).kernel.value; // (784, 512)
    const units = DEFAULT_CONFIG.hidden_size;
    let k = 0;
    for (const j of dead) for (let u = 0; u < units; u++) W1[j * units + u] = tinyValue(k++);
    expect(countSubnormals(model.params)).toBeGreaterThan(0);
    const x = new Tensor(new Float32Array(B * F), [B, F]);
    const y = new Tensor(new Float32Array(B * 10), [B, 10]);
    for (let s = 0; s < STEPS; s++) {
      const first = (s * B) % (N - B);
      x.data.set(data.xTrain.data.subarray(first * F, (first + B) * F));
      y.data.fill(0);
      for (let b = 0; b < B; b++) y.data[b * 10 + data.yTrain[first + b]] = 1;
      model.trainOnBatch(x, y);
    }
    const slots = model.optimizer!.getSlots?.() ?? [];
    expect(slots.length).toBe({ sgd: 0, momentum: 1, nag: 1, rmsprop: 1, adam: 2, nadam: 2 }[optimizer]);
    expect([countSubnormals(model.params), ...slots.map((s) => countSubnormals(s))]).toEqual([0, ...slots.map(() => 0)]);
    // The decayed weights went to zero (or stayed normal), they did not come back as noise.
    expect(Number.isFinite(W1.reduce((a, b) => a + Math.abs(b), 0))).toBe(true);
  } finally {
    model.dispose();
  }
});

// The same rules on both backends' paths (the wasm SIMD kernels when buffers are in wasm memory, the
// TypeScript loops on plain arrays), on hand-made values: subnormal and tiny normal parameters with zero
// gradients, NaN and signed zeros. Neither stores a subnormal, and they agree on NaN and the sign of zero.
const START = [2 ** -130, -(2 ** -127), MIN_NORMAL_F32, -MIN_NORMAL_F32 * 1.5, 2 ** -149, 0, -0, NaN, 1e-30, -1e-35, 2 ** -140];

function run(backend: Backend, name: string): Float32Array[] {
  const n = START.length; // 11, not a multiple of 4: the SIMD body and its scalar tail
  const params = backend.alloc(n);
  const grads = backend.alloc(n);
  const decay = backend.alloc(n);
  params.set(START);
  decay.fill(1);
  const opt = createOptimizer(name, { weight_decay: 0.5, learning_rate: 0.01 });
  opt.useBackend?.(backend);
  for (let s = 0; s < 5; s++) {
    opt.lookahead?.(params);
    opt.step(params, grads, decay);
    for (const buf of [params, ...(opt.getSlots?.() ?? [])]) expect(countSubnormals(buf)).toBe(0);
  }
  return [params, ...(opt.getSlots?.() ?? [])].map((b) => Float32Array.from(b));
}

test.each(OPTIMIZERS.map((o) => [o]))('%s on both backends: nothing subnormal stored, NaN kept, zeros of the same sign', (name) => {
  const ref = run(referenceBackend, name);
  const fast = run(getBackend(), name);
  expect(Number.isNaN(ref[0][7])).toBe(true);
  expect(Object.is(ref[0][5], 0)).toBe(true);
  ref.forEach((buf, b) => buf.forEach((r, i) => {
    const f = fast[b][i];
    // toEqual tells -0 from 0. The exact zeros keep their sign alike; a value flushed to zero may not (a
    // float32 step of 2⁻¹⁴⁹ rounds its decay to 0 where the float64 loop moves it to −7e-40, then −0).
    if (Number.isNaN(r) || (r === 0 && (i === 5 || i === 6))) expect([b, i, f]).toEqual([b, i, r]);
    else if (r === 0) expect([b, i, f === 0]).toEqual([b, i, true]);
    // Absolute slack: a float32 product of subnormals keeps fewer bits than the float64 loop's, and RMSprop
    // and Adam turn a gradient far below ε into a step of about lr·g/ε (so these tiny values differ by ~1e-15).
    else expect(Math.abs(f - r)).toBeLessThanOrEqual(1e-5 * Math.abs(r) + 1e-12);
  }));
});
