// Prints the SHA-256 of the parameters (and batch-norm state) after short seeded fits that pass through
// every layer, optimizer and backend kernel, one line per fit. A refactoring that must keep results
// bit-identical prints the same lines before and after (docs/development.md#bit-identical-refactors).
// Run: npm run build && node dist/scripts/param-hashes.js [--backend wasm|reference]

import {
  BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, AveragePooling2D, ReLU, Sequential, Softmax,
  Tensor, loadDataset, setBackend,
} from '../lib';
import { sha256Hex } from '../lib/util/sha256';
import type { Layer } from '../lib';

function hashOf(model: Sequential): string {
  const p = new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength);
  const s = new Uint8Array(model.state.buffer, model.state.byteOffset, model.state.byteLength);
  const both = new Uint8Array(p.length + s.length);
  both.set(p);
  both.set(s, p.length);
  return sha256Hex(both).slice(0, 16);
}

function main(): void {
  const i = process.argv.indexOf('--backend');
  const backends = i > 0 ? [process.argv[i + 1]] : ['wasm', 'reference'];
  const ds = loadDataset('mnist', { limit: { train: 1200, test: 10 } });
  const flat = new Tensor(ds.trainImages, [ds.numTrain, 784]);
  const img = new Tensor(ds.trainImages, [ds.numTrain, 28, 28, 1]);
  for (const backend of backends) {
    setBackend(backend);
    const mlp = (act: 'relu' | 'tanh'): Layer[] => [
      new Dense({ units: 64, activation: act, kernelInitializer: 'he_normal' }),
      new Dense({ units: 32, activation: act }),
      new Dense({ units: 10 }),
      new Softmax(),
    ];
    for (const optimizer of ['sgd', 'momentum', 'nag', 'rmsprop', 'adam', 'nadam']) {
      const model = new Sequential(mlp('relu'), { inputShape: [784], seed: 3 });
      model.compile({ optimizer, optimizerConfig: { learning_rate: 1e-3, weight_decay: 5e-4 }, loss: 'cross_entropy' });
      const h = model.fit(flat, ds.trainLabels, { epochs: 2, batchSize: 64, validationSplit: 0.1 });
      console.log(`${backend} mlp ${optimizer}: ${hashOf(model)} loss ${h.history.loss.at(-1)}`);
      model.dispose();
    }
    const fnn = new Sequential([
      new Dense({ units: 128 }), new BatchNormalization(), new ReLU(), new Dropout({ rate: 0.2 }),
      new Dense({ units: 64, activation: 'tanh' }), new Dense({ units: 10 }),
    ], { inputShape: [784], seed: 5 });
    fnn.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1, weight_decay: 1e-4 }, loss: 'softmax_cross_entropy', weightDecayOn: 'all' });
    const hf = fnn.fit(flat, ds.trainLabels, { epochs: 2, batchSize: 100 });
    console.log(`${backend} fnn bn+dropout: ${hashOf(fnn)} loss ${hf.history.loss.at(-1)}`);
    fnn.dispose();
    const cnn = new Sequential([
      new Conv2D({ filters: 6, kernelSize: 3, padding: 'same' }), new BatchNormalization(), new ReLU(),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu' }),
      new AveragePooling2D({ poolSize: 2 }),
      new Flatten(), new Dropout({ rate: 0.25 }), new Dense({ units: 10 }),
    ], { inputShape: [28, 28, 1], seed: 7 });
    cnn.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 1e-3 }, loss: 'softmax_cross_entropy' });
    const hc = cnn.fit(img.sliceRows(0, 400), ds.trainLabels.subarray(0, 400), { epochs: 1, batchSize: 32, validationSplit: 0.1 });
    console.log(`${backend} cnn: ${hashOf(cnn)} loss ${hc.history.loss.at(-1)} val ${hc.history.val_loss?.at(-1)}`);
    cnn.dispose();
  }
}

main();
