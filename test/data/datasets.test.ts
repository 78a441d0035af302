// loadDataset on the shipped MNIST / Fashion-MNIST files (counts, shapes, pixel range, labels, checksums)
// and on small folders of a user's own IDX files written to os.tmpdir().

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  FASHION_MNIST_CLASSES,
  IDX_FILE_NAMES,
  bytesToUnitFloats,
  findPackageRoot,
  loadDataset,
  resolveDatasetName,
  sha256Hex,
  shippedChecksums,
  shippedDataDir,
  encodeIdx,
  readIdxFile,
  type Dataset,
} from '../../lib/node/data';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scratchnet-ds-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function countLabels(labels: Uint8Array, k = 10): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/** The first index where a and b differ (or their lengths do), -1 if equal: one expect, not millions. */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function minMax(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return [lo, hi];
}

describe('the shipped data', () => {
  test('the package root and data folders are found from lib/data', () => {
    const root = findPackageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('scratchnet');
    expect(shippedDataDir('mnist')).toBe(join(root, 'data', 'mnist'));
    expect(shippedDataDir('fashion-mnist')).toBe(join(root, 'data', 'fashion-mnist'));
  });

  test('every shipped file decompresses to the SHA-256 listed in data/README.md', () => {
    const readme = readFileSync(join(findPackageRoot(), 'data', 'README.md'), 'utf8');
    for (const name of ['mnist', 'fashion_mnist'] as const) {
      const sums = shippedChecksums(name);
      for (const part of Object.keys(IDX_FILE_NAMES) as (keyof typeof IDX_FILE_NAMES)[]) {
        const path = join(shippedDataDir(name), IDX_FILE_NAMES[part] + '.gz');
        expect(sha256Hex(gunzipSync(readFileSync(path)))).toBe(sums[part]);
        expect(readme).toContain(sums[part]);
      }
    }
  });

  describe.each(['fashion_mnist', 'mnist'] as const)('%s, whole, verified', (name) => {
    let ds: Dataset;
    beforeAll(() => {
      ds = loadDataset(name);
    });

    test('official split sizes and shapes', () => {
      expect(ds.name).toBe(name);
      expect(ds.numTrain).toBe(60000);
      expect(ds.numTest).toBe(10000);
      expect(ds.imageShape).toEqual([1, 28, 28]);
      expect(ds.featureSize).toBe(784);
      expect(ds.trainImages).toBeInstanceOf(Float32Array);
      expect(ds.trainImages.length).toBe(60000 * 784);
      expect(ds.testImages.length).toBe(10000 * 784);
      expect(ds.trainLabels).toBeInstanceOf(Uint8Array);
      expect(ds.trainLabels.length).toBe(60000);
      expect(ds.testLabels.length).toBe(10000);
      expect(ds.numClasses).toBe(10);
      expect(ds.classNames).toHaveLength(10);
    });

    test('pixels are byte/255 in [0, 1], spanning the whole range', () => {
      expect(minMax(ds.trainImages)).toEqual([0, 1]);
      expect(minMax(ds.testImages)).toEqual([0, 1]);
      // Every value is some byte over 255, exactly as float32 rounds it.
      const raw = gunzipSync(readFileSync(join(shippedDataDir(name), 't10k-images-idx3-ubyte.gz'))).subarray(16);
      const expected = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) expected[i] = raw[i] / 255;
      expect(firstMismatch(ds.testImages, expected)).toBe(-1);
    });

    test('labels are 0..9 with the published per-class counts', () => {
      const train = countLabels(ds.trainLabels);
      const test = countLabels(ds.testLabels);
      expect(train.reduce((a, b) => a + b)).toBe(60000);
      if (name === 'fashion_mnist') {
        expect(train).toEqual(new Array(10).fill(6000));
        expect(test).toEqual(new Array(10).fill(1000));
      } else {
        // LeCun's published counts for digits 0..9.
        expect(train).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
        expect(test).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
      }
    });

    test('the first labels are the known ones', () => {
      // Fashion-MNIST's first training label is 9 (Ankle boot); MNIST's first five are 5 0 4 1 9.
      if (name === 'fashion_mnist') expect(Array.from(ds.trainLabels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
      else expect(Array.from(ds.trainLabels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    });
  });

  test('class names', () => {
    const f = loadDataset('fashion-mnist', { limit: { train: 1, test: 1 } });
    expect(f.name).toBe('fashion_mnist');
    expect(f.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
    expect(loadDataset('MNIST', { limit: { train: 1, test: 1 } }).classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  test('limit gives the first examples of the full set, bit for bit', () => {
    const whole = loadDataset('fashion_mnist', { verify: false, limit: { test: 0 } });
    for (const verify of [true, false]) {
      const part = loadDataset('fashion_mnist', { verify, limit: { train: 3000, test: 500 } });
      expect(part.numTrain).toBe(3000);
      expect(part.numTest).toBe(500);
      expect(part.trainImages.length).toBe(3000 * 784);
      expect(firstMismatch(part.trainImages, whole.trainImages.subarray(0, 3000 * 784))).toBe(-1);
      expect(firstMismatch(part.trainLabels, whole.trainLabels.subarray(0, 3000))).toBe(-1);
      expect(firstMismatch(part.testLabels, loadDataset('fashion_mnist', { limit: { train: 0 } }).testLabels.subarray(0, 500))).toBe(-1);
    }
    expect(whole.numTest).toBe(0);
    expect(whole.testImages.length).toBe(0);
  });

  test("layout 'nchw' reports the conv shape over the same buffer", () => {
    const flat = loadDataset('mnist', { limit: { train: 10, test: 10 } });
    const nchw = loadDataset('mnist', { layout: 'nchw', limit: { train: 10, test: 10 } });
    expect(flat.layout).toBe('flat');
    expect(flat.inputShape).toEqual([784]);
    expect(nchw.inputShape).toEqual([1, 28, 28]);
    expect(nchw.trainImages).toEqual(flat.trainImages);
  });

  test('bad names and options are refused with the valid choices', () => {
    expect(() => loadDataset('cifar10')).toThrow("unknown dataset 'cifar10': expected one of mnist, fashion_mnist");
    expect(resolveDatasetName('Fashion-MNIST')).toBe('fashion_mnist');
    expect(() => loadDataset('mnist', { layout: 'nhwc' as 'flat' })).toThrow(/layout must be 'flat' or 'nchw', got 'nhwc'/);
    expect(() => loadDataset('mnist', { limit: { train: -1 } })).toThrow(/limit.train must be a non-negative integer, got -1/);
  });
});

/** Writes a user folder of n random 28x28 images with labels; returns the raw bytes too. */
function makeUserDir(name: string, nTrain: number, nTest: number, gz: boolean, rows = 28, cols = 28): { path: string; trainPixels: Uint8Array; trainLabels: Uint8Array } {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  const px = (n: number, s: number) => Uint8Array.from({ length: n * rows * cols }, (_, i) => (i * s + (i >> 5)) & 255);
  const lb = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const trainPixels = px(nTrain, 3);
  const trainLabels = lb(nTrain);
  const files: [string, Uint8Array][] = [
    [IDX_FILE_NAMES.trainImages, encodeIdx('u8', [nTrain, rows, cols], trainPixels)],
    [IDX_FILE_NAMES.trainLabels, encodeIdx('u8', [nTrain], trainLabels)],
    [IDX_FILE_NAMES.testImages, encodeIdx('u8', [nTest, rows, cols], px(nTest, 5))],
    [IDX_FILE_NAMES.testLabels, encodeIdx('u8', [nTest], lb(nTest))],
  ];
  for (const [f, bytes] of files) writeFileSync(join(path, gz ? f + '.gz' : f), gz ? gzipSync(bytes) : bytes);
  return { path, trainPixels, trainLabels };
}

describe('dataDir: a user folder of IDX files', () => {
  test.each([false, true])('gz=%s: loads, converts byte/255, keeps the class names of the named set', (gz) => {
    const u = makeUserDir(`own-${gz}`, 30, 7, gz);
    const ds = loadDataset('fashion_mnist', { dataDir: u.path });
    expect(ds.numTrain).toBe(30);
    expect(ds.numTest).toBe(7);
    expect(ds.dataDir).toBe(u.path);
    expect(firstMismatch(ds.trainImages, bytesToUnitFloats(new Float32Array(30 * 784), u.trainPixels))).toBe(-1);
    expect(ds.trainLabels).toEqual(u.trainLabels);
    expect(ds.classNames[0]).toBe('T-shirt/top');
  });

  test('other image sizes are taken from the files', () => {
    const u = makeUserDir('small', 4, 2, true, 8, 6);
    const ds = loadDataset('mnist', { dataDir: u.path, layout: 'nchw' });
    expect(ds.imageShape).toEqual([1, 8, 6]);
    expect(ds.featureSize).toBe(48);
    expect(ds.inputShape).toEqual([1, 8, 6]);
  });

  test('a missing file, a label out of range, a count mismatch, a wrong type: errors name the file', () => {
    const u = makeUserDir('broken', 5, 5, false);
    rmSync(join(u.path, IDX_FILE_NAMES.testLabels));
    expect(() => loadDataset('mnist', { dataDir: u.path })).toThrow(/t10k-labels-idx1-ubyte\(\.gz\): missing/);

    writeFileSync(join(u.path, IDX_FILE_NAMES.testLabels), encodeIdx('u8', [5], [0, 1, 2, 10, 3]));
    expect(() => loadDataset('mnist', { dataDir: u.path })).toThrow(/t10k-labels-idx1-ubyte: label 3 is 10, expected 0..9/);

    writeFileSync(join(u.path, IDX_FILE_NAMES.testLabels), encodeIdx('u8', [4], [0, 1, 2, 3]));
    expect(() => loadDataset('mnist', { dataDir: u.path })).toThrow(/t10k-labels-idx1-ubyte: expected 5 labels \(one per image in .*t10k-images-idx3-ubyte\), found 4/);

    writeFileSync(join(u.path, IDX_FILE_NAMES.testLabels), encodeIdx('i32', [5], [0, 1, 2, 3, 4]));
    expect(() => loadDataset('mnist', { dataDir: u.path })).toThrow(/t10k-labels-idx1-ubyte: expected u8 labels of dims \[N\], found i32 \[5\]/);

    expect(() => loadDataset('mnist', { dataDir: join(dir, 'no-such-dir') })).toThrow(/no-such-dir: dataDir not found/);
  });

  test('a damaged copy of a shipped file fails its checksum when checked against the shipped sums', () => {
    // Copy the (small) shipped test labels, flip one label, and read it as the shipped file would be.
    const src = join(shippedDataDir('mnist'), 't10k-labels-idx1-ubyte.gz');
    const raw = gunzipSync(readFileSync(src));
    raw[100] = (raw[100] + 1) % 10;
    const p = join(dir, 'damaged-t10k-labels.gz');
    writeFileSync(p, gzipSync(raw));
    expect(() => readIdxFile(p, { expectedSha256: shippedChecksums('mnist').testLabels })).toThrow(
      /damaged-t10k-labels\.gz: checksum mismatch: expected SHA-256 ff7bcfd4/,
    );
    copyFileSync(src, p);
    expect(readIdxFile(p, { expectedSha256: shippedChecksums('mnist').testLabels }).dims).toEqual([10000]);
  });
});
