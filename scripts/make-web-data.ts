// Writes the MNIST subset the demo page trains on: the first 10,000 training and the first 2,000 test
// images of the shipped MNIST (data/mnist), as gzip'd IDX files in web/data/. Same bytes every run
// (gzip level 9, no name or time in the header).
//
//   npm run build && node dist/scripts/make-web-data.js

import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { encodeIdx } from '../lib/data/idx';
import { findPackageRoot, shippedDataDir } from '../lib/node/datasets';
import { readIdxFile } from '../lib/node/idx-file';
import { writeFileAtomic } from '../lib/node/fs';

const WEB_TRAIN = 10_000;
const WEB_TEST = 2_000;

const src = shippedDataDir('mnist');
const out = join(findPackageRoot(), 'web', 'data');
const parts: [string, string, number][] = [
  ['mnist-web-train-images.idx.gz', 'train-images-idx3-ubyte.gz', WEB_TRAIN],
  ['mnist-web-train-labels.idx.gz', 'train-labels-idx1-ubyte.gz', WEB_TRAIN],
  ['mnist-web-test-images.idx.gz', 't10k-images-idx3-ubyte.gz', WEB_TEST],
  ['mnist-web-test-labels.idx.gz', 't10k-labels-idx1-ubyte.gz', WEB_TEST],
];
for (const [name, from, limit] of parts) {
  const idx = readIdxFile(join(src, from), { limit });
  const gz = gzipSync(encodeIdx('u8', idx.dims, idx.data), { level: 9 });
  writeFileAtomic(join(out, name), gz);
  console.log(`${name}: the first ${limit} of ${from}, dims ${idx.dims.join('x')}, ${gz.length} bytes`);
}
