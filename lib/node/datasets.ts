// Loads MNIST and Fashion-MNIST (shipped in the repo's data/ folder; in an npm install, fetched on first
// use into the user cache folder; or a user's own IDX files) into the flat Float32Array form every
// scratchnet model takes: images (N, 784) with pixels byte/255 in [0, 1].

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cachedPath, fetchFiles, runInChildSync, type FetchedFile, type FetchFilesOptions } from './download';
import type { IdxArray } from '../data/idx';
import { maybeGunzip, readIdxFile, sha256Hex } from './idx-file';
import { dataCacheRoot, mirrorBases } from './data-sources';

/** The data sets loadDataset knows. */
export const DATASET_NAMES = ['mnist', 'fashion_mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Fashion-MNIST's class names, by label (Xiao, Rasul, Vollgraf 2017). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
/** MNIST's class names: the digits. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The four standard file names of an MNIST-style folder (each may also carry a .gz suffix). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
type Part = keyof typeof IDX_FILE_NAMES;

interface ShippedSpec {
  /** The folder under data/ (and under the cache folder). */
  folder: string;
  /** The name in messages. */
  label: string;
  classNames: readonly string[];
  /** SHA-256 of each DECOMPRESSED shipped file (data/README.md lists the same values). */
  sha256: Record<Part, string>;
}

const SHIPPED: Record<DatasetName, ShippedSpec> = {
  mnist: {
    folder: 'mnist',
    label: 'MNIST',
    classNames: MNIST_CLASSES,
    sha256: {
      trainImages: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      trainLabels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      testImages: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      testLabels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    },
  },
  fashion_mnist: {
    folder: 'fashion-mnist',
    label: 'Fashion-MNIST',
    classNames: FASHION_MNIST_CLASSES,
    sha256: {
      trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    },
  },
};

/** The expected SHA-256 of each decompressed shipped file of a data set. */
export function shippedChecksums(name: DatasetName): Readonly<Record<Part, string>> {
  return SHIPPED[name].sha256;
}

/**
 * Turns 'mnist', 'fashion_mnist' or 'fashion-mnist' (any case) into a DatasetName; anything else throws
 * an error listing the valid names.
 */
export function resolveDatasetName(name: string): DatasetName {
  const key = String(name).trim().toLowerCase().replace(/-/g, '_');
  if ((DATASET_NAMES as readonly string[]).includes(key)) return key as DatasetName;
  throw new Error(`unknown dataset '${name}': expected one of ${DATASET_NAMES.join(', ')} (fashion-mnist is accepted too)`);
}

/** How the caller wants to view an image: a row of 784 features, or a (1, 28, 28) channel-first image. */
export type ImageLayout = 'flat' | 'nchw';

/** Options of loadDataset. */
export interface LoadDatasetOptions {
  /**
   * A folder holding your own four IDX files under the standard names (IDX_FILE_NAMES), each gzip'd
   * (`.gz`) or raw; the gzip'd one wins when both exist. Images must be u8 (N, rows, cols), labels u8 (N)
   * below the number of classes. No checksum is checked. Default: the shipped data/<dataset>/ folder in
   * a clone; in an npm install, the cache folder (see datasetSource), fetched there on first use.
   */
  dataDir?: string;
  /**
   * Check the SHA-256 of each shipped (or cached) file before decoding it (default true). It costs about 30 ms for the
   * 47 MB training images; a file that passed once in a process is not hashed again while its size and
   * modification time stay the same. Ignored with dataDir.
   */
  verify?: boolean;
  /** Load only the first `train` training and first `test` test examples (each default: all). */
  limit?: { train?: number; test?: number };
  /**
   * 'flat' (default): inputShape is [rows·cols], for dense models. 'nchw': inputShape is [1, rows, cols],
   * for conv models. Only the reported shape changes: the (N, 784) row-major buffer IS the
   * (N, 1, 28, 28) row-major NCHW buffer, so no copy is made either way.
   */
  layout?: ImageLayout;
}

/** A loaded data set. Images are row-major, one image after another; pixels are byte/255 in [0, 1]. */
export interface Dataset {
  name: DatasetName;
  /** (numTrain, 784) = (numTrain, 1, 28, 28), row-major, values in [0, 1]. */
  trainImages: Float32Array;
  /** (numTrain), class indices 0..9. */
  trainLabels: Uint8Array;
  /** (numTest, 784) = (numTest, 1, 28, 28). */
  testImages: Float32Array;
  /** (numTest). */
  testLabels: Uint8Array;
  numTrain: number;
  numTest: number;
  /** [channels, rows, cols] = [1, 28, 28]. */
  imageShape: [number, number, number];
  /** Floats per image: 784. */
  featureSize: number;
  /** The layout asked for, and the per-example shape a model's input should declare for it. */
  layout: ImageLayout;
  /** [784] for 'flat', [1, 28, 28] for 'nchw'. */
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  /** The folder the files were read from. */
  dataDir: string;
}

/**
 * The scratchnet package root: the nearest folder at or above `start` whose package.json is named
 * scratchnet. It is found by walking up because this file runs from lib/node under ts-jest and from
 * dist/lib/node when built.
 */
export function findPackageRoot(start: string = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'scratchnet') return dir;
      } catch {
        // an unreadable package.json belongs to someone else: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the scratchnet package root (a package.json named scratchnet) above ${start}`);
    dir = up;
  }
}

/**
 * The folder of a shipped data set, <package root>/data/<mnist | fashion-mnist>. Throws if it is
 * missing (the npm package leaves data/ out; loadDataset then uses the cache, see datasetSource).
 */
export function shippedDataDir(name: DatasetName | string): string {
  const ds = resolveDatasetName(name);
  const dir = join(findPackageRoot(), 'data', SHIPPED[ds].folder);
  if (!existsSync(dir)) {
    throw new Error(
      `${dir}: shipped ${ds} data not found (data/ is in the git repository but not in the npm package); use the cache (datasetSource, fetchDataset) or pass dataDir`,
    );
  }
  return dir;
}

/**
 * Where loadDataset reads a data set from when no dataDir is given. 'shipped': the repository's data/
 * folder (a clone; the network is never used). 'cache': the data set's folder in the user cache
 * (dataCacheRoot(): SCRATCHNET_DATA_DIR, else e.g. ~/.cache/scratchnet), fetched there on first use.
 */
export interface DataSource {
  name: DatasetName;
  kind: 'shipped' | 'cache';
  dir: string;
}

/** Where a data set is read from: the shipped data/ folder when it exists, else the cache folder. */
export function datasetSource(name: DatasetName | string, env: NodeJS.ProcessEnv = process.env): DataSource {
  const ds = resolveDatasetName(name);
  const shipped = join(findPackageRoot(), 'data', SHIPPED[ds].folder);
  if (existsSync(shipped)) return { name: ds, kind: 'shipped', dir: shipped };
  return { name: ds, kind: 'cache', dir: join(dataCacheRoot(env), SHIPPED[ds].folder) };
}

/** Options of fetchDataset and fetchDatasetSync (see also FetchFilesOptions: timeoutMs, progress, lockStaleMs). */
export interface FetchDatasetOptions extends FetchFilesOptions {
  /** The cache root, holding <mnist | fashion-mnist>/ folders. Default: dataCacheRoot(). */
  cacheRoot?: string;
  /** Base URLs tried in order, each followed by a file's name + '.gz'. Default: mirrorBases(name). */
  mirrors?: string[];
}

/** The four files of a data set in order: labels first, so a broken mirror shows on the small files. */
const FETCH_ORDER: Part[] = ['testLabels', 'trainLabels', 'testImages', 'trainImages'];

/**
 * Makes sure a data set's four files are in its cache folder, downloading each missing one from the
 * first mirror that delivers it intact (checked against the SHA-256 recorded here; written to a temp
 * file, verified, then renamed into place; concurrent processes wait for one download). Resolves to
 * the folder and what happened to each file; rejects with a DatasetFetchError naming the file, every
 * URL tried and how to place the files by hand. The shipped data/ is not looked at: this is the cache.
 */
export async function fetchDataset(name: DatasetName | string, options: FetchDatasetOptions = {}): Promise<{ dir: string; files: FetchedFile[] }> {
  const ds = resolveDatasetName(name);
  const spec = SHIPPED[ds];
  const dir = join(options.cacheRoot !== undefined ? resolve(options.cacheRoot) : dataCacheRoot(), spec.folder);
  const names = FETCH_ORDER.map((p) => IDX_FILE_NAMES[p] + '.gz');
  const handHint =
    `To place the files by hand: get ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} (from any URL above, or any copy of ` +
    `the official ${spec.label} files) into a folder and pass --data-dir FOLDER to any command (from code: ` +
    `loadDataset('${ds}', { dataDir: FOLDER })), or put them into ${dir}, where every load checks their SHA-256.`;
  const files = await fetchFiles(
    { label: spec.label, dir, bases: options.mirrors ?? mirrorBases(ds, spec.folder), files: FETCH_ORDER.map((p) => ({ file: IDX_FILE_NAMES[p], sha256: spec.sha256[p] })), handHint },
    options,
  );
  return { dir, files };
}

/**
 * fetchDataset for synchronous callers (loadDataset): runs it in a child Node process and waits. The
 * child's progress bar goes to this process's stderr. `progress` may only be true or false here.
 */
export function fetchDatasetSync(name: DatasetName | string, options: Omit<FetchDatasetOptions, 'progress'> & { progress?: boolean } = {}): { dir: string; files: FetchedFile[] } {
  // Built, this file sits beside fetch-main.js; under ts-jest (lib/node/*.ts) the built copy is used.
  const script = __filename.endsWith('.ts') ? join(findPackageRoot(), 'dist', 'lib', 'node', 'fetch-main.js') : join(__dirname, 'fetch-main.js');
  return runInChildSync(script, { name, options });
}

/** One file's state in datasetStatus: ok and mismatch only when verified. */
export interface DatasetFileStatus {
  file: string;
  /** The file found (name.gz or name), or null when it is missing. */
  path: string | null;
  status: 'ok' | 'mismatch' | 'unreadable' | 'missing' | 'present';
  /** Why a file failed its check. */
  detail?: string;
}

/** Where a data set is read from, its mirrors, and the state of its four files. */
export interface DatasetStatus extends DataSource {
  label: string;
  /** The base URLs a missing cache file would be fetched from, in order. */
  mirrors: string[];
  files: DatasetFileStatus[];
}

/**
 * Reports where a data set is read from (shipped data/ or the cache) and which of its files are there;
 * with verify, also hashes each file against its recorded SHA-256 (about 0.3 s for a whole data set).
 */
export function datasetStatus(name: DatasetName | string, options: { verify?: boolean; env?: NodeJS.ProcessEnv } = {}): DatasetStatus {
  const src = datasetSource(name, options.env);
  const spec = SHIPPED[src.name];
  const files = FETCH_ORDER.map((p): DatasetFileStatus => {
    const file = IDX_FILE_NAMES[p];
    const path = cachedPath(src.dir, file);
    if (!path) return { file, path, status: 'missing' };
    if (!options.verify) return { file, path, status: 'present' };
    try {
      const found = sha256Hex(maybeGunzip(readFileSync(path), path));
      return found === spec.sha256[p] ? { file, path, status: 'ok' } : { file, path, status: 'mismatch', detail: `SHA-256 ${found}, expected ${spec.sha256[p]}` };
    } catch (e) {
      return { file, path, status: 'unreadable', detail: (e as Error).message };
    }
  });
  return { ...src, label: spec.label, mirrors: mirrorBases(src.name, spec.folder, options.env), files };
}

/** The folder loadDataset reads a data set from without dataDir, fetching it into the cache if absent. */
function defaultDataDir(ds: DatasetName): string {
  const src = datasetSource(ds);
  if (src.kind === 'cache' && FETCH_ORDER.some((p) => !cachedPath(src.dir, IDX_FILE_NAMES[p]))) fetchDatasetSync(ds);
  return src.dir;
}

/** Files whose checksum already matched in this process, keyed by path, with size and mtime. */
const verified = new Map<string, string>();

/** Forgets which files passed their checksum, so the next load hashes them again (benchmarks use it). */
export function forgetVerifiedFiles(): void {
  verified.clear();
}

function fileStamp(path: string): string {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

/** The path of one of the four files in dir: name.gz if it exists, else name. */
function partPath(dir: string, part: Part): string {
  const base = join(dir, IDX_FILE_NAMES[part]);
  if (existsSync(base + '.gz')) return base + '.gz';
  if (existsSync(base)) return base;
  throw new Error(`${base}(.gz): missing: expected the ${part} file '${IDX_FILE_NAMES[part]}' or '${IDX_FILE_NAMES[part]}.gz' in ${dir}`);
}

function readPart(dir: string, part: Part, checksum: string | undefined, limit: number | undefined): { arr: IdxArray; path: string } {
  const path = partPath(dir, part);
  let expectedSha256 = checksum;
  if (checksum !== undefined && verified.get(path) === fileStamp(path)) expectedSha256 = undefined;
  const arr = readIdxFile(path, { expectedSha256, limit });
  if (checksum !== undefined) verified.set(path, fileStamp(path));
  return { arr, path };
}

/** 256 entries, byte b → b/255 as float32: the table makes the conversion exact and branch-free. */
const BYTE_TO_UNIT = new Float32Array(256).map((_, b) => b / 255);

/**
 * out (n) = bytes (n) / 255, each value the float32 nearest to byte/255. Returns out.
 */
export function bytesToUnitFloats(out: Float32Array, bytes: Readonly<Uint8Array>, n: number = bytes.length): Float32Array {
  const lut = BYTE_TO_UNIT;
  for (let i = 0; i < n; i++) out[i] = lut[bytes[i]];
  return out;
}

function checkLimit(v: number | undefined, what: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new Error(`loadDataset: limit.${what} must be a non-negative integer, got ${v}`);
}

function decodeSplit(
  images: { arr: IdxArray; path: string },
  labels: { arr: IdxArray; path: string },
  numClasses: number,
): { x: Float32Array; y: Uint8Array; n: number; rows: number; cols: number } {
  const im = images.arr;
  const lb = labels.arr;
  if (im.type !== 'u8' || im.dims.length !== 3) {
    throw new Error(`${images.path}: expected u8 images of dims [N, rows, cols], found ${im.type} [${im.dims.join(', ')}]`);
  }
  if (lb.type !== 'u8' || lb.dims.length !== 1) {
    throw new Error(`${labels.path}: expected u8 labels of dims [N], found ${lb.type} [${lb.dims.join(', ')}]`);
  }
  const [n, rows, cols] = im.dims;
  if (lb.dims[0] !== n) throw new Error(`${labels.path}: expected ${n} labels (one per image in ${images.path}), found ${lb.dims[0]}`);
  const y = lb.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (y[i] >= numClasses) throw new Error(`${labels.path}: label ${i} is ${y[i]}, expected 0..${numClasses - 1}`);
  }
  const x = bytesToUnitFloats(new Float32Array(n * rows * cols), im.data as Uint8Array);
  // Copy the labels out of the decompressed file so the file's buffer can be freed.
  return { x, y: y.slice(), n, rows, cols };
}

/**
 * Loads a data set's official train and test splits.
 *
 *   const ds = loadDataset('fashion_mnist');            // 60,000 + 10,000 images, checksums verified
 *   ds.trainImages  // Float32Array (60000 · 784), image i at [i·784, (i+1)·784), pixel = byte/255
 *   ds.trainLabels  // Uint8Array (60000), 0..9; ds.classNames[label] names it
 *   loadDataset('mnist', { limit: { train: 2000, test: 500 } }); // the first 2000 / 500 only, fast
 *
 * name: 'mnist', 'fashion_mnist' or 'fashion-mnist'. See LoadDatasetOptions for dataDir, verify, limit
 * and layout. Every malformed file throws an Error naming it. Without the shipped data/ (an npm
 * install), the first call downloads the four files into the cache folder (fetchDataset) and waits.
 */
export function loadDataset(name: DatasetName | 'fashion-mnist' | string, options: LoadDatasetOptions = {}): Dataset {
  const ds = resolveDatasetName(name);
  const spec = SHIPPED[ds];
  const layout: ImageLayout = options.layout ?? 'flat';
  if (layout !== 'flat' && layout !== 'nchw') throw new Error(`loadDataset: layout must be 'flat' or 'nchw', got '${String(layout)}'`);
  const limit = options.limit ?? {};
  checkLimit(limit.train, 'train');
  checkLimit(limit.test, 'test');
  const own = options.dataDir !== undefined;
  const dir = own ? resolve(options.dataDir as string) : defaultDataDir(ds);
  if (own && !existsSync(dir)) throw new Error(`${dir}: dataDir not found: expected a folder holding the four IDX files (${Object.values(IDX_FILE_NAMES).join(', ')})`);
  const verify = !own && (options.verify ?? true);
  const sum = (p: Part): string | undefined => (verify ? spec.sha256[p] : undefined);
  try {
    return decodeDataset(ds, dir, layout, limit, sum);
  } catch (e) {
    // A cached file that fails its checksum was damaged after its verified download, or placed by hand.
    if (!own && (e as Error).message.includes('checksum mismatch') && datasetSource(ds).kind === 'cache') {
      throw new Error(`${(e as Error).message}; \`npx scratchnet data --verify --fetch\` replaces it`);
    }
    throw e;
  }
}

function decodeDataset(
  ds: DatasetName,
  dir: string,
  layout: ImageLayout,
  limit: { train?: number; test?: number },
  sum: (p: Part) => string | undefined,
): Dataset {
  const spec = SHIPPED[ds];
  const numClasses = spec.classNames.length;
  const train = decodeSplit(
    readPart(dir, 'trainImages', sum('trainImages'), limit.train),
    readPart(dir, 'trainLabels', sum('trainLabels'), limit.train),
    numClasses,
  );
  const test = decodeSplit(
    readPart(dir, 'testImages', sum('testImages'), limit.test),
    readPart(dir, 'testLabels', sum('testLabels'), limit.test),
    numClasses,
  );
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new Error(`${dir}: train images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`);
  }
  const { rows, cols } = train;
  return {
    name: ds,
    trainImages: train.x,
    trainLabels: train.y,
    testImages: test.x,
    testLabels: test.y,
    numTrain: train.n,
    numTest: test.n,
    imageShape: [1, rows, cols],
    featureSize: rows * cols,
    layout,
    inputShape: layout === 'flat' ? [rows * cols] : [1, rows, cols],
    numClasses,
    classNames: spec.classNames.slice(),
    dataDir: dir,
  };
}
