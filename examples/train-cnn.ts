// docs/cnn.md's example: a Keras-like CNN on MNIST from code (test/experiments/cnn-example.test.ts runs it).
import { BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, ReLU, Sequential, Tensor, loadDataset, loadModel, saveModel } from 'scratchnet';

const ds = loadDataset('mnist', { limit: { train: 2000, test: 300 } });
// Images are channels last (NHWC): (N, 28, 28, 1). The flat pixel rows need no copy, only a shape.
const x = new Tensor(ds.trainImages, [ds.numTrain, 28, 28, 1]);
const xTest = new Tensor(ds.testImages, [ds.numTest, 28, 28, 1]);
const model = new Sequential([
  new Conv2D({ filters: 8, kernelSize: 3, padding: 'same' }),  // (28, 28, 8)
  new BatchNormalization(),                                      // per channel; running stats for evaluation
  new ReLU(),
  new MaxPooling2D({ poolSize: 2 }),                             // (14, 14, 8)
  new Conv2D({ filters: 16, kernelSize: 3, strides: 2, activation: 'relu' }), // (6, 6, 16)
  new Flatten(),
  new Dropout({ rate: 0.2 }),                                    // seeded by the model's seed
  new Dense({ units: 10 }),                                      // logits
], { inputShape: [28, 28, 1], seed: 1 });
model.compile({ optimizer: 'sgd', optimizerConfig: { learning_rate: 0.1 }, loss: 'softmax_cross_entropy' });
console.log(model.summary());
const history = model.fit(x, ds.trainLabels, { epochs: 2, batchSize: 32, validationSplit: 0.1 });
console.log('val_accuracy per epoch', history.history.val_accuracy);
console.log(`test accuracy ${model.evaluate(xTest, ds.testLabels).accuracy.toFixed(4)}`);
saveModel(model, 'mnist-cnn.snet');                               // weights + batch-norm running statistics
const [a, b] = [model.predict(xTest).data, loadModel('mnist-cnn.snet').predict(xTest).data];
const same = a.every((v, i) => v === b[i]);
console.log(`reloaded model predicts identically: ${same}`);
