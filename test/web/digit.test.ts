// MNIST preprocessing of drawn digits (lib/data/digit.ts): the geometry on shapes whose answer is known,
// and on MNIST's own test digits blown up 10x: preprocessing must give back (nearly) the original, which
// the demo's shipped model then classifies as well as the originals.

import { join } from 'node:path';
import { MNIST_BOX, MNIST_SIZE, Tensor, loadModel, mnistPreprocess, readIdxFile } from '../../lib';

const ROOT = join(__dirname, '..', '..');

function stats(img: Float32Array): { top: number; bottom: number; left: number; right: number; cy: number; cx: number; mass: number } {
  let top = 99, bottom = -1, left = 99, right = -1, mass = 0, cy = 0, cx = 0;
  for (let y = 0; y < MNIST_SIZE; y++) {
    for (let x = 0; x < MNIST_SIZE; x++) {
      const v = img[y * MNIST_SIZE + x];
      if (v > 0) { top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x); }
      mass += v; cy += v * y; cx += v * x; // pixel indices, as MNIST centred its digits
    }
  }
  return { top, bottom, left, right, cy: cy / mass, cx: cx / mass, mass };
}

describe('mnistPreprocess', () => {
  test('a solid 100x50 block anywhere becomes 20x10, centred by mass, same ink density', () => {
    for (const [y0, x0] of [[10, 10], [150, 200], [90, 3]]) {
      const H = 280, W = 280;
      const pixels = new Float32Array(H * W);
      for (let y = y0; y < y0 + 100; y++) for (let x = x0; x < x0 + 50; x++) pixels[y * W + x] = 1;
      const out = mnistPreprocess(new Float32Array(784), pixels, H, W);
      const s = stats(out);
      expect(s.bottom - s.top + 1).toBe(MNIST_BOX);
      expect(s.right - s.left + 1).toBe(10);
      expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
      expect(s.mass).toBeCloseTo(200, 4); // area averaging keeps a solid block solid
    }
  });

  test('an off-centre L shape: its centre of mass, not its box, lands in the middle', () => {
    const H = 100, W = 100;
    const pixels = new Float32Array(H * W);
    for (let y = 0; y < 100; y++) for (let x = 0; x < 10; x++) pixels[y * W + x] = 1; // vertical bar
    for (let y = 90; y < 100; y++) for (let x = 0; x < 100; x++) pixels[y * W + x] = 1; // bottom bar
    const s = stats(mnistPreprocess(new Float32Array(784), pixels, H, W));
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(s.bottom - s.top + 1).toBe(20);
      // The mass sits low and left, so centring it moves the box up and to the right of the centred box (4..23).
    expect(s.top).toBeLessThan(4);
    expect(s.left).toBeGreaterThan(4);
  });

  test('no ink gives zeros; a tiny dot is scaled up; bad sizes are refused', () => {
    expect(Array.from(mnistPreprocess(new Float32Array(784).fill(3), new Float32Array(50 * 50), 50, 50)).every((v) => v === 0)).toBe(true);
    const dot = new Float32Array(50 * 50);
    dot[25 * 50 + 25] = 1;
    const s = stats(mnistPreprocess(new Float32Array(784), dot, 50, 50));
    expect([s.bottom - s.top + 1, s.right - s.left + 1]).toEqual([20, 20]);
    expect(() => mnistPreprocess(new Float32Array(784), new Float32Array(10), 5, 5)).toThrow(/pixels holds 10 values, expected H·W = 5·5 = 25/);
    expect(() => mnistPreprocess(new Float32Array(700), dot, 50, 50)).toThrow(/out holds 700 values, expected 784/);
  });

  test('MNIST test digits drawn 10x larger come back close to the originals, and the demo model reads them', () => {
    const N = 200;
    const images = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-images.idx.gz'), { limit: N }).data as Uint8Array;
    const labels = readIdxFile(join(ROOT, 'web', 'data', 'mnist-web-test-labels.idx.gz'), { limit: N }).data as Uint8Array;
    const model = loadModel(join(ROOT, 'web', 'models', 'mnist-mlp.snet'));
    const big = new Float32Array(280 * 280);
    const original = new Float32Array(N * 784);
    const redone = new Float32Array(N * 784);
    let corrSum = 0;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < 784; i++) original[n * 784 + i] = images[n * 784 + i] / 255;
      for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) big[y * 280 + x] = original[n * 784 + Math.floor(y / 10) * 28 + Math.floor(x / 10)];
      const out = redone.subarray(n * 784, (n + 1) * 784);
      mnistPreprocess(out, big, 280, 280);
      // Pearson correlation of the two 28x28 images.
      const a = original.subarray(n * 784, (n + 1) * 784);
      const ma = a.reduce((s, v) => s + v, 0) / 784, mb = out.reduce((s, v) => s + v, 0) / 784;
      let sab = 0, saa = 0, sbb = 0;
      for (let i = 0; i < 784; i++) { sab += (a[i] - ma) * (out[i] - mb); saa += (a[i] - ma) ** 2; sbb += (out[i] - mb) ** 2; }
      corrSum += sab / Math.sqrt(saa * sbb);
    }
    const accuracy = (x: Float32Array): number => {
      const p = model.predict(new Tensor(x, [N, 784])).data;
      let correct = 0;
      for (let n = 0; n < N; n++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (p[n * 10 + c] > p[n * 10 + best]) best = c;
        if (best === labels[n]) correct++;
      }
      return correct / N;
    };
    const meanCorr = corrSum / N;
    const [accOriginal, accRedone] = [accuracy(original), accuracy(redone)];
    console.log(`mean correlation ${meanCorr.toFixed(4)}, model accuracy original ${accOriginal}, preprocessed ${accRedone}`);
    expect(meanCorr).toBeGreaterThan(0.99);
    expect(accOriginal).toBeGreaterThan(0.95);
    expect(accRedone).toBeGreaterThanOrEqual(accOriginal - 0.01);
  });
});
