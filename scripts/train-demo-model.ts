// Trains the small CNN the demo page ships (web/models/mnist-cnn.snet): two 5x5 convolutions with
// max pooling, then one dense layer, on all of MNIST's training images; ~6,000 parameters (24 KB).
//
//   npm run build && nice node dist/scripts/train-demo-model.js [epochs=4]

import { join } from 'node:path';
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential, Softmax, Tensor } from '../lib';
import { findPackageRoot, loadDataset } from '../lib/node/datasets';
import { saveModel } from '../lib/node/model-file';

const epochs = Number(process.argv[2] ?? 4);
const ds = loadDataset('mnist');
const model = new Sequential([
  new Conv2D({ filters: 8, kernelSize: 5, activation: 'relu', name: 'conv1' }),
  new MaxPooling2D({ poolSize: 2, name: 'pool1' }),
  new Conv2D({ filters: 16, kernelSize: 5, activation: 'relu', name: 'conv2' }),
  new MaxPooling2D({ poolSize: 2, name: 'pool2' }),
  new Flatten('flatten'),
  new Dense({ units: 10, name: 'output' }),
  new Softmax('softmax'),
], { inputShape: [28, 28, 1], seed: 1, name: 'mnist-cnn' });
model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 1e-3 }, loss: 'cross_entropy' });
console.log(model.summary());
const x = new Tensor(ds.trainImages, [ds.numTrain, 28, 28, 1]);
const history = model.fit(x, ds.trainLabels, {
  epochs, batchSize: 64, seed: 1,
  callbacks: { onEpochEnd: (e, l) => console.log(`epoch ${e + 1}/${epochs}  loss ${l.loss.toFixed(4)}  accuracy ${l.accuracy.toFixed(4)}  ${l.seconds.toFixed(1)}s`) },
});
const test = model.evaluate(new Tensor(ds.testImages, [ds.numTest, 28, 28, 1]), ds.testLabels);
console.log(`test loss ${test.loss.toFixed(4)}  test accuracy ${test.accuracy.toFixed(4)}`);
const file = saveModel(model, join(findPackageRoot(), 'web', 'models', 'mnist-cnn.snet'), {
  trainedBy: 'scripts/train-demo-model.ts', epochs, batchSize: 64, optimizer: 'adam', learningRate: 1e-3,
  testAccuracy: test.accuracy, trainLoss: history.history.loss?.[epochs - 1],
});
console.log(`saved ${file}`);
