// `scratchnet predict --index N` (Q2): the probability of each class for image N (1..70,000:
// the 60,000 training images, then the 10,000 test images, as the assignment numbers them), from a saved
// model or from a freshly initialised network of the given shape.

import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadDataset } from '../../lib/node/data';
import { buildAssignmentModel } from '../../lib/node/experiments/assignment';
import { loadModel } from '../../lib/node/model-file';
import { argmaxRow, softmaxRows } from '../../lib/ops';
import { Tensor } from '../../lib/tensor';
import { addSharedFlags, intArg, Reporter } from '../cli';
import { addTrainFlags, configFromOptions } from '../train-flags';

export function predictCommand(): Command {
  const cmd = new Command('predict').description('DA6401 Q2: class probabilities for image N (1..70,000: train then test) from --model or a fresh network');
  cmd.requiredOption('--index <n>', 'image number, 1..70000 (1..60000 train, 60001..70000 test)', intArg('--index', 1, 70000));
  cmd.option('--model <file>', 'a model saved with train --save-model (default: a freshly initialised network)');
  addTrainFlags(cmd, { dataset: 'fashion_mnist', num_layers: 2, hidden_size: 128, activation: 'ReLU', weight_init: 'Xavier' }, ['dataset', 'num_layers', 'hidden_size', 'activation', 'weight_init']);
  return addSharedFlags(cmd, { seed: 'seed of the fresh network', dataDir: true, json: true })
    .action((opts: Record<string, unknown>) => {
      const reporter = new Reporter(opts.json === true);
      if (opts.model !== undefined && !existsSync(opts.model as string)) throw new Error(`model file ${opts.model} does not exist`);
      const ds = loadDataset(opts.dataset as string, { dataDir: opts.dataDir as string | undefined });
      const n = opts.index as number;
      const total = ds.numTrain + ds.numTest;
      if (n > total) throw new Error(`--index must be in 1..${total} for this data, got ${n}`);
      const F = ds.featureSize;
      const [images, labels, i, split] = n <= ds.numTrain ? [ds.trainImages, ds.trainLabels, n - 1, 'train'] as const : [ds.testImages, ds.testLabels, n - 1 - ds.numTrain, 'test'] as const;
      const x = new Tensor(images.slice(i * F, (i + 1) * F), [1, F]);
      const cfg = configFromOptions(opts);
      const model = opts.model ? loadModel(opts.model as string) : buildAssignmentModel(cfg, F, ds.numClasses);
      const out = model.predict(x).data;
      // A model ending in logits gets a softmax here, so the column always reads as probabilities.
      const sum = out.reduce((a, v) => a + v, 0);
      const probs = out.some((p) => p < 0) || Math.abs(sum - 1) > 1e-3 ? softmaxRows(new Float32Array(out.length), out, 1, out.length) : out;
      const best = argmaxRow(probs, 0, probs.length);
      reporter.line(`image ${n} (${split} #${i + 1}), true class: ${ds.classNames[labels[i]]}; ${opts.model ? `model ${opts.model}` : `fresh network 784-${Array(cfg.num_layers).fill(cfg.hidden_size).join('-')}-10, ${cfg.activation}, seed ${cfg.seed}`}`);
      reporter.line('class          probability');
      ds.classNames.forEach((name, c) => reporter.line(`${name.padEnd(14)} ${probs[c].toFixed(4)}${c === best ? '  <- predicted' : ''}`));
      reporter.result({ index: n, split, trueClass: ds.classNames[labels[i]], predicted: ds.classNames[best], probabilities: Object.fromEntries(ds.classNames.map((name, c) => [name, probs[c]])) });
    });
}
