// The README's first example: train an MLP on Fashion-MNIST from code (run: npx ts-node or see test/readme.test.ts).
import { Dense, Sequential, Softmax, Tensor, loadDataset, saveModel } from 'scratchnet';

const ds = loadDataset('fashion_mnist', { limit: { train: 10000 } }); // the first 10,000 training images
const x = new Tensor(ds.trainImages, [ds.numTrain, 784]);              // pixels in [0, 1]
const model = new Sequential([
  new Dense({ units: 128, activation: 'relu', kernelInitializer: 'he_normal' }),
  new Dense({ units: 10 }),
  new Softmax(),
], { inputShape: [784], seed: 1 });
model.compile({ optimizer: 'adam', optimizerConfig: { learning_rate: 1e-3 }, loss: 'cross_entropy' });
const history = model.fit(x, ds.trainLabels, { epochs: 3, batchSize: 64, validationSplit: 0.1 });
console.log('val_accuracy per epoch', history.history.val_accuracy);
const test = model.evaluate(new Tensor(ds.testImages, [ds.numTest, 784]), ds.testLabels);
console.log(`test accuracy ${test.accuracy.toFixed(4)}`);
saveModel(model, 'fashion-mlp.snet');
