// Permute (Keras's Permute(dims)): values against index formulas written out by hand, the kernels'
// four contracts, the gradient by finite differences, and channels-first input to a CNN giving exactly
// what the same images give channels last.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Conv2D, Dense, Flatten, MaxPooling2D, Permute, Rng, Sequential, Tensor, checkLayerGradients, loadModel, permutationSource,
  permuteBackward, permuteForward, saveModel,
} from '../../lib';

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(n).map(() => rng.normal());
}

function permuteLayer(dims: number[], inputShape: number[]): Permute {
  const layer = new Permute({ dims });
  new Sequential([layer], { inputShape }).build();
  return layer;
}

describe('forward values', () => {
  test('dims [2, 3, 1]: (B, C, H, W) → (B, H, W, C), y[b, h, w, c] = x[b, c, h, w]', () => {
    const [B, C, H, W] = [2, 3, 4, 5];
    const x = random(B * C * H * W, 1);
    const layer = permuteLayer([2, 3, 1], [C, H, W]);
    expect(layer.outputShape).toEqual([H, W, C]);
    const y = layer.forward(new Tensor(x, [B, C, H, W]), { training: false });
    expect(y.shape).toEqual([B, H, W, C]);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      expect([b, c, h, w, y.data[((b * H + h) * W + w) * C + c]]).toEqual([b, c, h, w, x[((b * C + c) * H + h) * W + w]]);
    }
  });

  test('dims [3, 1, 4, 2] on rank 4: output axis k is input axis dims[k]', () => {
    const s = [2, 3, 4, 5];
    const x = random(2 * 120, 2);
    const layer = permuteLayer([3, 1, 4, 2], s);
    expect(layer.outputShape).toEqual([4, 2, 5, 3]);
    const y = layer.forward(new Tensor(x, [2, ...s]), { training: false }).data;
    let j = 0;
    for (let b = 0; b < 2; b++) for (let i2 = 0; i2 < 4; i2++) for (let i0 = 0; i0 < 2; i0++) for (let i3 = 0; i3 < 5; i3++) for (let i1 = 0; i1 < 3; i1++) {
      expect(y[j++]).toBe(x[b * 120 + ((i0 * 3 + i1) * 4 + i2) * 5 + i3]);
    }
  });

  test('the identity permutation copies; [2, 1] transposes each sample; a permutation then its inverse restores x', () => {
    const x = new Tensor(random(3 * 12, 3), [3, 3, 4]);
    expect(Array.from(permuteLayer([1, 2], [3, 4]).forward(x, { training: false }).data)).toEqual(Array.from(x.data));
    const t = permuteLayer([2, 1], [3, 4]).forward(x, { training: false });
    expect(t.shape).toEqual([3, 4, 3]);
    expect(t.data[(1 * 4 + 2) * 3 + 1]).toBe(x.data[(1 * 3 + 1) * 4 + 2]);
    const back = permuteLayer([3, 1, 2], [4, 5, 6]).forward(permuteLayer([2, 3, 1], [6, 4, 5]).forward(new Tensor(random(2 * 120, 4), [2, 6, 4, 5]), { training: false }), { training: false });
    expect(Array.from(back.data)).toEqual(Array.from(random(2 * 120, 4)));
  });
});

describe('the kernels: write out, return out, leave inputs alone, refuse aliasing', () => {
  const src = permutationSource(new Int32Array(6), [2, 3], [1, 0]);
  test('permutationSource lists, for each output element, its input element', () => {
    expect(Array.from(src)).toEqual([0, 3, 1, 4, 2, 5]);
  });
  test('forward and backward', () => {
    const x = Float32Array.of(0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15);
    const copy = Float32Array.from(x);
    const out = new Float32Array(12);
    expect(permuteForward(out, x, src, 2, 6)).toBe(out);
    expect(Array.from(out)).toEqual([0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
    expect(x).toEqual(copy);
    const dx = new Float32Array(12);
    expect(permuteBackward(dx, out, src, 2, 6)).toBe(dx);
    expect(dx).toEqual(x);
    expect(() => permuteForward(x, x, src, 2, 6)).toThrow(/overlaps the input.*in place/);
    expect(() => permuteBackward(x.subarray(2), x.subarray(0, 8), src, 1, 6)).toThrow(/overlaps/);
  });
});

describe('gradient by finite differences', () => {
  test.each([[[2, 3, 1], [3, 4, 2]], [[3, 1, 2], [2, 3, 4]], [[2, 1], [5, 3]]])('dims %j on input %j', (dims, shape) => {
    const r = checkLayerGradients(new Permute({ dims }), shape, { batch: 2, seed: 5 });
    expect(r.input.checked).toBe(2 * shape.reduce((a, b) => a * b, 1));
    expect(r.input.maxRelError).toBeLessThan(1e-2);
  });
});

describe('channels-first images through Permute([2, 3, 1])', () => {
  function cnn(first: Permute[], inputShape: number[]): Sequential {
    return new Sequential([
      ...first, new Conv2D({ filters: 4, kernelSize: 3, padding: 1, activation: 'relu' }), new MaxPooling2D(), new Flatten(), new Dense({ units: 3 }),
    ], { inputShape, seed: 9 });
  }
  test('a 3-channel NCHW batch predicts exactly what the same images NHWC give; training is identical too', () => {
    const [B, C, H, W] = [5, 3, 6, 6];
    const nchw = random(B * C * H * W, 6);
    const nhwc = new Float32Array(nchw.length);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) nhwc[((b * H + h) * W + w) * C + c] = nchw[((b * C + c) * H + h) * W + w];
    const a = cnn([new Permute({ dims: [2, 3, 1] })], [C, H, W]);
    const b = cnn([], [H, W, C]);
    // Permute has no parameters: both models draw the same weights from seed 9.
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    const xa = new Tensor(nchw, [B, C, H, W]);
    const xb = new Tensor(nhwc, [B, H, W, C]);
    expect(Array.from(a.predict(xa).data)).toEqual(Array.from(b.predict(xb).data));
    const labels = Uint8Array.of(0, 1, 2, 1, 0);
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'softmax_cross_entropy' });
    a.fit(xa, labels, { epochs: 2, batchSize: 2 });
    b.fit(xb, labels, { epochs: 2, batchSize: 2 });
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
  });

  test('saved and loaded with its dims', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scratchnet-permute-'));
    try {
      const m = cnn([new Permute({ dims: [2, 3, 1] })], [2, 4, 4]);
      const x = new Tensor(random(3 * 32, 8), [3, 2, 4, 4]);
      saveModel(m, join(dir, 'm.scratchnet'));
      const loaded = loadModel(join(dir, 'm.scratchnet'));
      expect(loaded.layers[0]).toBeInstanceOf(Permute);
      expect((loaded.layers[0] as Permute).dims).toEqual([2, 3, 1]);
      expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad dims are refused with what was expected', () => {
  test.each([[[]], [[1, 1]], [[0, 1]], [[1, 3]], [[2.5, 1]]])('dims %j', (dims) => {
    expect(() => new Permute({ dims })).toThrow(/Permute dims must be a permutation of 1..rank.*got/);
  });
  test('dims of the wrong rank for the input', () => {
    expect(() => permuteLayer([2, 1], [3, 4, 5])).toThrow(/reorder 2 axes, but the per-sample input shape \[3, 4, 5\] has 3/);
  });
});
