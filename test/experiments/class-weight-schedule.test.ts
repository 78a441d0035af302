// The dynamical loss's class weights (Ruiz-Garcia et al. 2021) against the formula
//   c_k = C·Γ_k / Σ_j Γ_j,  Γ_i = 1 + (w_max − 1)·tri(t/T),  Γ_k = 1 (k ≠ i),  tri(s) = 1 − |2(s mod 1) − 1|
// evaluated by hand at chosen t, for both schedules, and the weighted loss it feeds.

import {
  WeightedCrossEntropy, classWeights, createClassWeightSchedule, classPerPeriodSchedule, classPerStepSchedule, paperSchedule, seedSchedule, triangleWave,
} from '../../lib';

/** The formula, written out independently of the library (float64). */
function expected(t: number, i: number, wMax: number, T: number, C: number): number[] {
  const s = (t % T) / T;
  const peak = i < 0 ? 1 : 1 + (wMax - 1) * (s <= 0.5 ? 2 * s : 2 - 2 * s);
  const sum = C - 1 + peak;
  return Array.from({ length: C }, (_, k) => ((k === i ? peak : 1) * C) / sum);
}

function close(actual: ArrayLike<number>, want: number[]): void {
  expect(actual.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) expect(actual[k]).toBeCloseTo(want[k], 6);
}

describe('classWeights', () => {
  const C = 10;
  const T = 40;
  test('t = 0: the emphasised class starts at weight 1 (all ones)', () => {
    close(classWeights(new Float32Array(C), 0, 3, 3, T, C), new Array(C).fill(1));
  });
  test('t = T/2: the peak, w_max = 3 → raw (3, 1, ..., 1) scaled by 10/12', () => {
    const w = classWeights(new Float32Array(C), 20, 3, 3, T, C);
    expect(w[3]).toBeCloseTo(2.5, 6);
    expect(w[0]).toBeCloseTo(10 / 12, 6);
  });
  test('t = T/4 and t = 3T/4: halfway up and halfway down, raw weight 2 → 20/11 and 10/11', () => {
    for (const t of [10, 30]) {
      const w = classWeights(new Float32Array(C), t, 7, 3, T, C);
      expect(w[7]).toBeCloseTo(20 / 11, 6);
      expect(w[1]).toBeCloseTo(10 / 11, 6);
    }
  });
  test('matches the formula at many t; always sums to C', () => {
    for (const t of [0, 1, 7, 13, 19, 20, 21, 33, 39, 40, 57]) {
      const w = classWeights(new Float32Array(C), t, 5, 4.5, T, C);
      close(w, expected(t, 5, 4.5, T, C));
      expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(C, 5);
    }
  });
  test('triangleWave is 0, ½, 1, ½, 0 over one period', () => {
    expect([0, 10, 20, 30, 40].map((t) => triangleWave(t, 40))).toEqual([0, 0.5, 1, 0.5, 0]);
  });
  test('bad arguments are refused', () => {
    expect(() => classWeights(new Float32Array(10), 0, 10, 2, 5, 10)).toThrow(/class i must be in -1..9, got 10/);
    expect(() => classWeights(new Float32Array(10), 0, 0, 0.5, 5, 10)).toThrow(/w_max must be a finite number ≥ 1, got 0.5/);
    expect(() => classWeights(new Float32Array(3), 0, 0, 2, 5, 10)).toThrow(/out must hold 10 weights/);
  });
});

describe("class-per-step schedule: the Keras implementation's loop (t = s mod T, class = s mod C, w_max − 0.001 before each step)", () => {
  const s = classPerStepSchedule({ numClasses: 10, period: 50, wMax: 1.5 });
  test('step 0: t 0, class 0, w_max 1.499', () => {
    const st = s.state(0);
    expect([st.t, st.emphasised]).toEqual([0, 0]);
    expect(st.wMax).toBeCloseTo(1.499, 12);
    close(s.weights(new Float32Array(10), 0), new Array(10).fill(1));
  });
  test('step 27: t 27, class 7, w_max 1.472, tri(27/50) = 0.92', () => {
    const st = s.state(27);
    expect([st.t, st.emphasised]).toEqual([27, 7]);
    expect(st.wMax).toBeCloseTo(1.472, 12);
    const peak = 1 + 0.472 * 0.92;
    const w = s.weights(new Float32Array(10), 27);
    expect(w[7]).toBeCloseTo((10 * peak) / (9 + peak), 6);
    close(w, expected(27, 7, 1.472, 50, 10));
  });
  test('step 124: t 24, class 4; w_max has decayed to 1.375', () => {
    close(s.weights(new Float32Array(10), 124), expected(24, 4, 1.375, 50, 10));
  });
  test('from step 499 on, w_max is 1 and every weight 1', () => {
    expect(s.state(499).wMax).toBe(1);
    close(s.weights(new Float32Array(10), 777), new Array(10).fill(1));
  });
});

describe("class-per-period schedule (the paper's): one whole period per class, then the next class", () => {
  const p = classPerPeriodSchedule({ numClasses: 10, period: 20, wMax: 5 });
  test('step 45: class 2, t 5 (a quarter period: raw weight 3)', () => {
    expect(p.state(45)).toEqual({ t: 5, emphasised: 2, wMax: 5 });
    close(p.weights(new Float32Array(10), 45), expected(5, 2, 5, 20, 10));
    expect(p.weights(new Float32Array(10), 45)[2]).toBeCloseTo(30 / 12, 6);
  });
  test('step 210: the classes wrap around, class 0 at its peak t = 10', () => {
    expect(p.state(210)).toEqual({ t: 10, emphasised: 0, wMax: 5 });
    close(p.weights(new Float32Array(10), 210), expected(10, 0, 5, 20, 10));
  });
  test('flatEnd: the last period of totalSteps has all weights 1', () => {
    const f = createClassWeightSchedule('class-per-period', { numClasses: 10, period: 20, wMax: 5, totalSteps: 100, flatEnd: true });
    expect(f.state(79).emphasised).toBe(3);
    close(f.weights(new Float32Array(10), 79), expected(19, 3, 5, 20, 10));
    for (const step of [80, 90, 99]) close(f.weights(new Float32Array(10), step), new Array(10).fill(1));
  });
  test("the old names still work: 'seed' = class-per-step, 'paper' = class-per-period", () => {
    const o = { numClasses: 10, period: 20, wMax: 5 };
    expect(createClassWeightSchedule('seed', o).kind).toBe('class-per-step');
    expect(createClassWeightSchedule('paper', o).kind).toBe('class-per-period');
    expect(seedSchedule(o).state(123)).toEqual(classPerStepSchedule(o).state(123));
    expect(paperSchedule(o).state(123)).toEqual(classPerPeriodSchedule(o).state(123));
  });
  test('unknown kinds and bad options are refused', () => {
    expect(() => createClassWeightSchedule('x' as 'seed', { numClasses: 10, period: 5, wMax: 2 })).toThrow(/unknown class-weight schedule 'x': expected class-per-step or class-per-period/);
    expect(() => paperSchedule({ numClasses: 10, period: 0, wMax: 2 })).toThrow(/period must be an integer ≥ 1, got 0/);
    expect(() => paperSchedule({ numClasses: 10, period: 5, wMax: 2, flatEnd: true })).toThrow(/flatEnd needs totalSteps/);
  });
});

test("the weights feed WeightedCrossEntropy = −mean(log_softmax(z)·Y·w)·C (the Keras implementation's formula)", () => {
  const C = 10;
  const B = 3;
  const z = Float32Array.from({ length: B * C }, (_, k) => Math.sin(k * 1.7) * 2);
  const y = new Float32Array(B * C);
  [4, 0, 9].forEach((c, b) => (y[b * C + c] = 1));
  const w = paperSchedule({ numClasses: C, period: 20, wMax: 5 }).weights(new Float32Array(C), 85); // class 4, t 5
  let sum = 0;
  for (let b = 0; b < B; b++) {
    let lse = 0;
    for (let j = 0; j < C; j++) lse += Math.exp(z[b * C + j]);
    lse = Math.log(lse);
    for (let j = 0; j < C; j++) sum += (z[b * C + j] - lse) * y[b * C + j] * w[j];
  }
  const want = (-sum / (B * C)) * C;
  expect(new WeightedCrossEntropy(C, w).compute(null, z, y, B, C)).toBeCloseTo(want, 5);
});
