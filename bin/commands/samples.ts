// `scratchnet samples` (Q1): one training image per class in a 2x5 grid, with class names.

import { Command } from 'commander';
import { join } from 'node:path';
import { loadDataset } from '../../lib/node/data';
import { imageGrid, saveFigure } from '../../lib/node/plot';
import { addSharedFlags, Reporter } from '../cli';
import { addTrainFlags } from '../train-flags';

export function samplesCommand(): Command {
  const cmd = new Command('samples').description('DA6401 Q1: one image per class in a 2x5 grid with class names (PNG + SVG)');
  addTrainFlags(cmd, { dataset: 'fashion_mnist' }, ['dataset']);
  return addSharedFlags(cmd, { dataDir: true, json: true, out: { default: 'runs/samples', help: 'folder for samples.png / samples.svg' } })
    .action(async (opts: { dataset: string; out: string; dataDir?: string; json: boolean }) => {
      const reporter = new Reporter(opts.json);
      const ds = loadDataset(opts.dataset, { dataDir: opts.dataDir });
      const F = ds.featureSize;
      // The first training image of each class, in class order.
      const index = new Array<number>(ds.numClasses).fill(-1);
      for (let i = 0; i < ds.numTrain && index.includes(-1); i++) if (index[ds.trainLabels[i]] < 0) index[ds.trainLabels[i]] = i;
      const missing = index.findIndex((i) => i < 0);
      if (missing >= 0) throw new Error(`the training set has no image of class ${missing} (${ds.classNames[missing]})`);
      const images = index.map((i) => ds.trainImages.subarray(i * F, (i + 1) * F));
      const [, h, w] = ds.imageShape;
      const files = await saveFigure(join(opts.out, 'samples'), imageGrid({
        title: `${ds.name === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}: one training image per class`,
        images, height: h, width: w, rows: 2, cols: 5,
        captions: index.map((i, c) => `${ds.classNames[c]}\n#${i + 1}`),
      }));
      for (const f of files) reporter.line(`wrote ${f}`);
      reporter.result({ dataset: ds.name, indices: index.map((i) => i + 1), classNames: ds.classNames, files });
    });
}
