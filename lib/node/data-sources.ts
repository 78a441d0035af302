// Where a data set's files come from when the repository's data/ folder is absent (an npm install):
// the official download locations, tried in order, and the user cache folder that keeps them.
// Node-only (it reads the environment and the home folder), like the rest of lib/node.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The official locations of each data set's four gzip'd IDX files, tried in this order; a file's URL is
 * the base followed by its standard name (e.g. `train-images-idx3-ubyte.gz`).
 *
 * MNIST: torchvision's two mirrors (PyTorch's S3 copy, then Yann LeCun's original page, which has at times
 * answered with an error) with TensorFlow's Google Cloud copy between them. Keras fetches MNIST as one
 * `mnist.npz` instead, not IDX, so it is not listed. Fashion-MNIST: the URL Keras uses, then Zalando's S3
 * site, which torchvision uses. Every file is checked against its SHA-256 whichever mirror served it.
 */
export const DATASET_MIRRORS = {
  mnist: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ],
  fashion_mnist: [
    'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  ],
} as const;

/**
 * The mirror bases for a data set: SCRATCHNET_DATA_MIRRORS when set, else DATASET_MIRRORS. The variable
 * holds one or more base URLs (comma- or space-separated), each laid out like the repository's data/
 * folder: `<base>/mnist/<file>.gz` and `<base>/fashion-mnist/<file>.gz`. It replaces the official list,
 * so a company mirror (or a test's loopback server) is the only place asked.
 */
export function mirrorBases(name: keyof typeof DATASET_MIRRORS, folder: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const own = (env.SCRATCHNET_DATA_MIRRORS ?? '').split(/[\s,]+/).filter((s) => s !== '');
  if (own.length === 0) return DATASET_MIRRORS[name].slice();
  return own.map((base) => `${base.replace(/\/+$/, '')}/${folder}/`);
}

/**
 * The folder that caches downloaded data sets (each in a subfolder named like data/'s: mnist,
 * fashion-mnist): SCRATCHNET_DATA_DIR when set; else the platform's user cache folder, as pip and
 * torch's hub pick it: $XDG_CACHE_HOME/scratchnet or ~/.cache/scratchnet on Linux and other Unixes,
 * ~/Library/Caches/scratchnet on macOS, %LOCALAPPDATA%\scratchnet\Cache on Windows.
 */
export function dataCacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.SCRATCHNET_DATA_DIR) return resolve(env.SCRATCHNET_DATA_DIR);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'scratchnet', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'scratchnet');
  // XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.cache'), 'scratchnet');
}
