// The data helpers on toy sets whose answers are written out by hand: oneHot, selectClasses,
// validationSplit, gatherRows and BatchIterator.

import { BatchIterator, gatherRows, oneHot, selectClasses, toOneHot, validationSplit } from '../../lib/node/data';
import { Rng } from '../../lib/rng';

describe('oneHot', () => {
  const labels = Uint8Array.from([2, 0, 1]);
  const expected = [0, 0, 1, 1, 0, 0, 0, 1, 0];

  test('writes out, returns out, leaves labels unchanged', () => {
    const out = new Float32Array(9).fill(7); // stale values must be cleared
    const ret = oneHot(out, labels, 3);
    expect(ret).toBe(out);
    expect(Array.from(out)).toEqual(expected);
    expect(Array.from(labels)).toEqual([2, 0, 1]);
  });

  test('leaves floats past N·C alone (out may be a larger buffer)', () => {
    const out = new Float32Array(10).fill(7);
    oneHot(out, labels, 3);
    expect(out[9]).toBe(7);
  });

  test('toOneHot allocates', () => {
    expect(Array.from(toOneHot([2, 0, 1], 3))).toEqual(expected);
  });

  test('bad labels and short outputs throw, saying what was expected', () => {
    expect(() => oneHot(new Float32Array(9), [0, 3, 1], 3)).toThrow('oneHot: label 1 is 3, expected an integer in 0..2');
    expect(() => oneHot(new Float32Array(9), [0, -1, 1], 3)).toThrow(/label 1 is -1/);
    expect(() => oneHot(new Float32Array(8), labels, 3)).toThrow('oneHot: out must hold 3x3 = 9 floats, found 8');
  });
});

describe('selectClasses', () => {
  // 6 examples of 2 features; example i holds [10i, 10i+1].
  const images = Float32Array.from({ length: 12 }, (_, k) => 10 * (k >> 1) + (k & 1));
  const labels = Uint8Array.from([5, 1, 0, 2, 5, 9]);

  test('keeps examples of [0, 2, 5] in order and relabels them 0, 1, 2 by position', () => {
    const s = selectClasses(images, labels, [0, 2, 5], 2);
    expect(s.count).toBe(4);
    expect(Array.from(s.indices)).toEqual([0, 2, 3, 4]);
    expect(Array.from(s.labels)).toEqual([2, 0, 1, 2]);
    expect(Array.from(s.images)).toEqual([0, 1, 20, 21, 30, 31, 40, 41]);
  });

  test('the order of classes decides the new labels', () => {
    expect(Array.from(selectClasses(images, labels, [5, 0], 2).labels)).toEqual([0, 1, 0]);
  });

  test('inputs are left unchanged; bad arguments throw', () => {
    const before = Array.from(images);
    selectClasses(images, labels, [9], 2);
    expect(Array.from(images)).toEqual(before);
    expect(() => selectClasses(images, labels, [], 2)).toThrow(/classes is empty/);
    expect(() => selectClasses(images, labels, [1, 1], 2)).toThrow(/class 1 is listed twice/);
    expect(() => selectClasses(images, labels, [1], 3)).toThrow('selectClasses: images must hold 6 labels x 3 features = 18 floats, found 12');
  });
});

describe('validationSplit', () => {
  test("'last' takes the tail, as Keras's validationSplit (split at floor(N·(1-f)))", () => {
    const s = validationSplit(10, 0.25);
    expect(Array.from(s.train)).toEqual([0, 1, 2, 3, 4, 5, 6]); // floor(10 · 0.75) = 7
    expect(Array.from(s.validation)).toEqual([7, 8, 9]);
    const big = validationSplit(60000, 0.1);
    expect(big.train.length).toBe(54000);
    expect(big.validation[0]).toBe(54000);
  });

  test('fraction 0 keeps everything for training; fractions outside [0, 1) throw', () => {
    expect(validationSplit(5, 0).validation.length).toBe(0);
    expect(() => validationSplit(5, 1)).toThrow('validationSplit: fraction must be in [0, 1), got 1');
    expect(() => validationSplit(5, -0.1)).toThrow(/got -0.1/);
  });

  test("'random' is a seeded partition of the same sizes, sorted, deterministic by seed", () => {
    const a = validationSplit(1000, 0.2, { mode: 'random', seed: 42 });
    const b = validationSplit(1000, 0.2, { mode: 'random', seed: 42 });
    const c = validationSplit(1000, 0.2, { mode: 'random', seed: 43 });
    expect(a.train.length).toBe(800);
    expect(a.validation.length).toBe(200);
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    expect(Array.from(a.validation)).not.toEqual(Array.from(c.validation));
    const all = [...a.train, ...a.validation].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let i = 1; i < a.validation.length; i++) expect(a.validation[i]).toBeGreaterThan(a.validation[i - 1]);
    // Not simply the tail.
    expect(a.validation[0]).toBeLessThan(800);
  });
});

describe('gatherRows', () => {
  const src = Float32Array.from([0, 1, 10, 11, 20, 21, 30, 31]); // 4 rows of 2

  test('writes out, returns out, leaves inputs unchanged', () => {
    const out = new Float32Array(4);
    const idx = [3, 0, 2];
    expect(gatherRows(out, src, idx, 1, 2, 2)).toBe(out);
    expect(Array.from(out)).toEqual([0, 1, 20, 21]);
    expect(idx).toEqual([3, 0, 2]);
    expect(Array.from(src)).toEqual([0, 1, 10, 11, 20, 21, 30, 31]);
  });

  test('converts between element types (Uint8Array labels into Int32Array)', () => {
    const out = new Int32Array(2);
    gatherRows(out, Uint8Array.from([7, 8, 9]), [2, 0], 0, 2, 1);
    expect(Array.from(out)).toEqual([9, 7]);
  });

  test('out-of-range rows and short outputs throw', () => {
    expect(() => gatherRows(new Float32Array(2), src, [4], 0, 1, 2)).toThrow('gatherRows: index 4 is outside the 4 rows of src');
    expect(() => gatherRows(new Float32Array(2), src, [0, 1], 0, 2, 2)).toThrow(/out must hold 2x2 = 4 values, found 2/);
    expect(() => gatherRows(new Float32Array(4), src, [0], 0, 2, 2)).toThrow(/rows 0..1 are outside the 1 indices/);
  });
});

describe('BatchIterator', () => {
  // 10 examples of 3 features; example i holds [i, 100+i, 200+i] and label i % 4.
  const N = 10;
  const F = 3;
  const images = Float32Array.from({ length: N * F }, (_, k) => 100 * (k % F) + Math.floor(k / F));
  const labels = Uint8Array.from({ length: N }, (_, i) => i % 4);

  /** The example indices of one epoch, in order, read back from the batch contents. */
  function epochRows(it: BatchIterator): { rows: number[]; sizes: number[] } {
    const rows: number[] = [];
    const sizes: number[] = [];
    for (const b of it.epoch()) {
      sizes.push(b.size);
      for (let k = 0; k < b.size; k++) {
        const r = b.x[k * F];
        // Every row is whole and matches its label, its one-hot and its index.
        expect([b.x[k * F + 1], b.x[k * F + 2]]).toEqual([100 + r, 200 + r]);
        expect(b.labels[k]).toBe(r % 4);
        expect(b.indices[k]).toBe(r);
        if (b.y) expect(Array.from(b.y.subarray(k * 4, k * 4 + 4))).toEqual([0, 1, 2, 3].map((c) => (c === r % 4 ? 1 : 0)));
        rows.push(r);
      }
    }
    return { rows, sizes };
  }

  test('every index exactly once per epoch, with a short last batch', () => {
    const it = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, numClasses: 4, seed: 7 });
    expect(it.numBatches).toBe(3);
    for (let e = 0; e < 3; e++) {
      const { rows, sizes } = epochRows(it);
      expect(sizes).toEqual([4, 4, 2]);
      expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    }
    expect(it.epochCount).toBe(3);
  });

  test('reshuffles every epoch; the same seed gives the same orders', () => {
    const a = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, seed: 7 });
    const b = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, seed: 7 });
    const c = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, seed: 8 });
    const a1 = epochRows(a).rows;
    const a2 = epochRows(a).rows;
    expect(a1).not.toEqual(a2);
    expect(epochRows(b).rows).toEqual(a1);
    expect(epochRows(b).rows).toEqual(a2);
    expect(epochRows(c).rows).not.toEqual(a1);
    // The order is the Rng's Fisher–Yates shuffle of 0..N-1.
    expect(a1).toEqual(Array.from(new Rng(7).shuffle(Uint32Array.from({ length: N }, (_, i) => i))));
  });

  test('reuses the same buffers and batch object; the last partial batch is one cached view', () => {
    const allocated: Float32Array[] = [];
    const alloc = (n: number): Float32Array => {
      const a = new Float32Array(n);
      allocated.push(a);
      return a;
    };
    const it = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, numClasses: 4, seed: 1, alloc });
    expect(allocated.map((a) => a.length)).toEqual([4 * F, 4 * 4]); // x and y, once
    const seen = new Set<unknown>();
    const xs = new Set<unknown>();
    const lastXs = new Set<unknown>();
    for (let e = 0; e < 3; e++) {
      for (const b of it.epoch()) {
        seen.add(b);
        (b.size === 4 ? xs : lastXs).add(b.x);
        expect(b.x.buffer).toBe(allocated[0].buffer);
        expect(b.y?.buffer).toBe(allocated[1].buffer);
      }
    }
    expect(allocated).toHaveLength(2);
    expect(xs.size).toBe(1);
    expect(xs.has(allocated[0])).toBe(true);
    expect(lastXs.size).toBe(1); // the same subarray view every epoch
    expect(seen.size).toBe(2); // one batch object for full batches, one for the short last one
  });

  test('next() returns null at the end of an epoch; shuffle: false keeps order; indices restrict the rows', () => {
    const it = new BatchIterator(images, labels, { batchSize: 5, featureSize: F, shuffle: false });
    expect(it.next()?.index).toBe(0);
    expect(it.next()?.index).toBe(1);
    expect(it.next()).toBeNull();
    expect(epochRows(it).rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const sub = new BatchIterator(images, labels, { batchSize: 16, featureSize: F, indices: [8, 1, 3], seed: 3 });
    expect(sub.count).toBe(3);
    expect(sub.numBatches).toBe(1);
    const { rows, sizes } = epochRows(sub);
    expect(sizes).toEqual([3]);
    expect([...rows].sort()).toEqual([1, 3, 8]);
  });

  test('batches in shared memory (gathered through a staging copy) hold the same rows as in plain memory', () => {
    const shared: Float32Array[] = [];
    const sharedAlloc = (n: number): Float32Array => {
      const a = new Float32Array(new SharedArrayBuffer(4 * n));
      shared.push(a);
      return a;
    };
    // Batch 4 of 10 rows: two full batches and a short last one of 2, three epochs.
    const plain = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, numClasses: 4, seed: 5 });
    const inShared = new BatchIterator(images, labels, { batchSize: 4, featureSize: F, numClasses: 4, seed: 5, alloc: sharedAlloc });
    for (let e = 0; e < 3; e++) {
      plain.startEpoch();
      inShared.startEpoch();
      const sizes: number[] = [];
      for (let p = plain.next(), s = inShared.next(); p !== null; p = plain.next(), s = inShared.next()) {
        expect(s).not.toBeNull();
        expect(s!.x.buffer).toBe(shared[0].buffer);
        expect(Array.from(s!.x)).toEqual(Array.from(p.x));
        expect(Array.from(s!.y!)).toEqual(Array.from(p.y!));
        expect(Array.from(s!.indices)).toEqual(Array.from(p.indices));
        sizes.push(s!.size);
      }
      expect(inShared.next()).toBeNull();
      expect(sizes).toEqual([4, 4, 2]);
    }
    // And each row is whole, matching its label and index (epochRows checks every batch).
    expect(epochRows(inShared).sizes).toEqual([4, 4, 2]);
  });

  test('bad arguments throw, saying what was expected', () => {
    expect(() => new BatchIterator(images, labels, { batchSize: 0, featureSize: F })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new BatchIterator(images, labels, { batchSize: 2, featureSize: 4 })).toThrow(
      'BatchIterator: images must hold 10 labels x 4 features = 40 floats, found 30',
    );
    expect(() => new BatchIterator(images, labels, { batchSize: 2, featureSize: F, indices: [10] })).toThrow(/index 10 is outside the 10 examples/);
  });
});

describe('more than 256 classes', () => {
  test('selectClasses keeps labels past 255 (a wider array), and gatherRows copies them unchanged', () => {
    const C = 300;
    const labels = Uint16Array.from({ length: 2 * C }, (_, i) => i % C);
    const images = Float32Array.from({ length: 2 * C }, (_, i) => i);
    const classes = Array.from({ length: C }, (_, k) => C - 1 - k); // reversed: old class c becomes C-1-c
    const s = selectClasses(images, labels, classes, 1);
    expect(s.labels).toBeInstanceOf(Uint16Array);
    expect(Array.from(s.labels.subarray(0, 3))).toEqual([299, 298, 297]);
    expect(s.labels[299]).toBe(0);
    expect(Array.from(gatherRows(new Int32Array(2), s.labels, [0, 299], 0, 2, 1))).toEqual([299, 0]);
  });
});

describe('gatherRows: contiguous rows and long rows', () => {
  test('null indices copy rows start..start+count-1; long rows convert types like short ones', () => {
    const src = Float32Array.from({ length: 4 * 20 }, (_, i) => i);
    const out = new Float32Array(2 * 20);
    expect(Array.from(gatherRows(out, src, null, 1, 2, 20))).toEqual(Array.from(src.subarray(20, 60)));
    expect(() => gatherRows(out, src, null, 3, 2, 20)).toThrow(/rows 3..4 are outside the 4 rows of src/);
    const bytes = Uint8Array.from({ length: 3 * 16 }, (_, i) => 200 + (i % 50));
    const asFloat = gatherRows(new Float32Array(16), bytes, [2], 0, 1, 16);
    expect(Array.from(asFloat)).toEqual(Array.from(bytes.subarray(32, 48)));
  });

  test('BatchIterator gathers target rows (soft labels) when given targets instead of labels', () => {
    const images = Float32Array.from({ length: 5 }, (_, i) => i);
    const targets = Float32Array.from({ length: 10 }, (_, i) => i / 10); // row r = [2r/10, (2r+1)/10]
    const it = new BatchIterator(images, null, { batchSize: 2, featureSize: 1, numClasses: 2, targets, seed: 3 });
    let seen = 0;
    for (const b of it.epoch()) {
      for (let k = 0; k < b.size; k++) {
        const r = b.x[k];
        expect([b.y![2 * k], b.y![2 * k + 1]]).toEqual([targets[2 * r], targets[2 * r + 1]]);
        seen++;
      }
    }
    expect(seen).toBe(5);
    expect(() => new BatchIterator(images, null, { batchSize: 2, featureSize: 1 })).toThrow(/give labels, or target rows/);
    expect(() => new BatchIterator(images, null, { batchSize: 2, featureSize: 1, numClasses: 3, targets })).toThrow(/targets must hold/);
  });
});
