// Row kernels, the PRNG and the initializers.

import { Rng, argmaxRows, getInitializer, logSoftmaxRows, softmaxRows, findNonFinite } from '../../lib';

describe('softmax and log-softmax', () => {
  test('match the definition, stay finite for huge logits, and rows sum to 1', () => {
    const x = Float32Array.from([1, 2, 3, 1000, 1001, 1002, -1000, 0, 1000]);
    const p = softmaxRows(new Float32Array(9), x, 3, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0] + e[1] + e[2];
    for (let r = 0; r < 2; r++) for (let j = 0; j < 3; j++) expect(p[r * 3 + j]).toBeCloseTo(e[j] / s, 6);
    expect(Array.from(p.subarray(6))).toEqual([0, 0, 1]);
    const lp = logSoftmaxRows(new Float32Array(9), x, 3, 3);
    for (let i = 0; i < 6; i++) expect(lp[i]).toBeCloseTo(Math.log(p[i]), 5);
    expect(lp[6]).toBeCloseTo(-2000, 3);
    expect(lp.every(Number.isFinite)).toBe(true);
  });
  test('write out, return out, leave the input alone, and work in place', () => {
    const x = Float32Array.from([0.5, -1, 2, 3]);
    const copy = Float32Array.from(x);
    const out = new Float32Array(4);
    expect(softmaxRows(out, x, 2, 2)).toBe(out);
    expect(x).toEqual(copy);
    const inPlace = Float32Array.from(x);
    softmaxRows(inPlace, inPlace, 2, 2);
    expect(inPlace).toEqual(out);
    const lin = Float32Array.from(x);
    expect(logSoftmaxRows(lin, lin, 2, 2)).toEqual(logSoftmaxRows(new Float32Array(4), x, 2, 2));
  });
  test('argmax takes the first of ties', () => {
    expect(Array.from(argmaxRows(new Uint8Array(3), Float32Array.from([1, 3, 3, 0, -1, -2, 5, 5, 5]), 3, 3))).toEqual([1, 0, 0]);
  });
  test('findNonFinite', () => {
    expect(findNonFinite(Float32Array.from([1, 2, 3]))).toBeNull();
    expect(findNonFinite(Float32Array.from([1, -Infinity, NaN]))).toEqual({ index: 1, value: -Infinity });
    // +Infinity and −Infinity in different partial sums, and a NaN in the tail after the last group of 4.
    expect(findNonFinite(Float32Array.from([1, Infinity, 2, 3, -Infinity, 0, 0, 0]))).toEqual({ index: 1, value: Infinity });
    expect(findNonFinite(Float32Array.from([1, 2, 3, 4, 5, 6, NaN]))?.index).toBe(6);
    expect(findNonFinite(Float32Array.from([3e38, 3e38, 3e38, 3e38, 3e38]))).toBeNull(); // large but finite
  });
});

describe('Rng', () => {
  test('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(sa).toEqual(Array.from({ length: 5 }, () => b.nextUint32()));
    expect(sa).not.toEqual(Array.from({ length: 5 }, () => c.nextUint32()));
  });
  test('uniform and normal have the right moments', () => {
    const r = new Rng(1);
    const n = 100000;
    let su = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      su += r.uniform();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 1);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });
  test('shuffle is a permutation', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(3).shuffle(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('initializers', () => {
  const stats = (name: string, fanIn: number, fanOut: number) => {
    const w = getInitializer(name)(new Float32Array(fanIn * fanOut), fanIn, fanOut, new Rng(5));
    let s = 0, s2 = 0, max = 0;
    for (const v of w) { s += v; s2 += v * v; max = Math.max(max, Math.abs(v)); }
    return { mean: s / w.length, std: Math.sqrt(s2 / w.length), max };
  };
  test('scales follow their definitions', () => {
    expect(stats('random', 300, 200).std).toBeCloseTo(0.1, 2);
    expect(stats('he_normal', 300, 200).std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    expect(stats('glorot_normal', 300, 200).std).toBeCloseTo(Math.sqrt(2 / 500), 2);
    const gu = stats('glorot_uniform', 300, 200);
    expect(gu.max).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(gu.std).toBeCloseTo(Math.sqrt(6 / 500) / Math.sqrt(3), 2);
    expect(stats('Xavier', 300, 200)).toEqual(gu);
    expect(stats('he_uniform', 300, 200).max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
  });
});
