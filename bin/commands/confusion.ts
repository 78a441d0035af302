// `scratchnet confusion` (Q7): the test-set confusion matrix of the best configuration (trained
// here) or of a saved model: heatmap PNG + SVG, CSV, per-class precision/recall, and the most
// confused pairs shown with example images.

import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadAssignmentData, trainAssignment } from '../../lib/node/experiments/assignment';
import { classReport, confusionMatrix, mostConfused, predictedLabels } from '../../lib/metrics';
import { loadModel } from '../../lib/node/model-file';
import { barChart, heatmap, imageGrid, saveFigure } from '../../lib/node/plot';
import { writeFileAtomic } from '../../lib/node/fs';
import { intArg, progressCallbacks, Reporter, sharedFlag } from '../cli';
import { addTrainFlags, configFromOptions } from '../train-flags';
import { addRunFlags } from './train';

export function confusionCommand(): Command {
  const cmd = new Command('confusion').description('DA6401 Q7: test-set confusion matrix (PNG, CSV), per-class precision/recall, most confused pairs with examples');
  cmd.option('--model <file>', 'evaluate this saved model instead of training the default configuration');
  addTrainFlags(cmd);
  addRunFlags(cmd)
    .option('--pairs <n>', 'how many most-confused pairs to show', intArg('--pairs', 1, 90), 5)
    .addOption(sharedFlag.out('runs/confusion', 'folder for the figures and the CSV'))
    .action((opts: Record<string, unknown>) => runConfusion(opts));
  return cmd;
}

async function runConfusion(opts: Record<string, unknown>): Promise<void> {
  const reporter = new Reporter(opts.json === true);
  if (opts.model !== undefined && !existsSync(opts.model as string)) throw new Error(`model file ${opts.model} does not exist`);
  const cfg = configFromOptions(opts, DEFAULT_CONFIG);
  const data = loadAssignmentData(cfg.dataset, {
    dataDir: opts.dataDir as string | undefined,
    limit: { train: opts.trainLimit as number | undefined, test: opts.testLimit as number | undefined },
    splitSeed: cfg.seed,
  });
  const names = data.dataset.classNames;
  const C = names.length;
  let model;
  if (opts.model) {
    model = loadModel(opts.model as string);
    reporter.line(`model ${opts.model}`);
  } else {
    reporter.line(`training the default configuration on ${cfg.dataset} (${cfg.num_layers}x${cfg.hidden_size} ${cfg.activation}, ${cfg.optimizer}, ${cfg.epochs} epochs)`);
    model = trainAssignment(cfg, data, [progressCallbacks(reporter, cfg.epochs)]).model;
  }
  // The test set is touched here, once, for the final figures.
  const pred = predictedLabels(model.predict(data.xTest));
  const cm = confusionMatrix(pred, data.yTest, C);
  const report = classReport(cm, C);
  let correct = 0;
  for (let c = 0; c < C; c++) correct += cm[c * C + c];
  const accuracy = correct / data.yTest.length;
  const pairs = mostConfused(cm, C, opts.pairs as number);
  const out = opts.out as string;

  reporter.line(`test accuracy ${accuracy.toFixed(4)} (${correct}/${data.yTest.length})`);
  reporter.line('class          precision  recall  f1      support');
  report.forEach((r, c) => reporter.line(`${names[c].padEnd(14)} ${r.precision.toFixed(4).padStart(9)}  ${r.recall.toFixed(4)}  ${r.f1.toFixed(4)}  ${r.support}`));
  reporter.line('most confused (true → predicted):');
  for (const p of pairs) reporter.line(`  ${names[p.truth]} → ${names[p.predicted]}: ${p.count}`);

  const files: string[] = [];
  const csv = [['true\\predicted', ...names].join(','), ...names.map((n, t) => [n, ...Array.from(cm.subarray(t * C, (t + 1) * C))].join(','))].join('\n') + '\n';
  files.push(writeFileAtomic(join(out, 'confusion.csv'), csv));
  files.push(...await saveFigure(join(out, 'confusion'), heatmap({
    title: `Test-set confusion matrix, ${cfg.dataset} (accuracy ${(100 * accuracy).toFixed(2)}%)`,
    values: Array.from(cm), rowLabels: names,
  })));
  files.push(...await saveFigure(join(out, 'precision-recall'), barChart({
    title: 'Per-class precision and recall on the test set',
    categories: names,
    // A class never predicted (or absent) has no precision (recall): drawn as an empty bar, 0.
    series: [{ name: 'precision', values: report.map((r) => r.precision || 0) }, { name: 'recall', values: report.map((r) => r.recall || 0) }],
    valueLabel: 'fraction of the class', valueDomain: [0, 1], format: '.3f',
  })));
  // Up to 3 example images for each confused pair, captioned true → predicted.
  const F = data.dataset.featureSize;
  const examples: Float32Array[] = [];
  const captions: string[] = [];
  for (const p of pairs) {
    let shown = 0;
    for (let i = 0; i < pred.length && shown < 3; i++) {
      if (data.yTest[i] === p.truth && pred[i] === p.predicted) {
        examples.push(data.xTest.data.subarray(i * F, (i + 1) * F));
        captions.push(`True: ${names[p.truth]}\nPred: ${names[p.predicted]}`);
        shown++;
      }
    }
  }
  if (examples.length > 0) {
    const [, h, w] = data.dataset.imageShape;
    files.push(...await saveFigure(join(out, 'confused-examples'), imageGrid({
      title: 'The most confused pairs: test images and what the network took them for',
      images: examples, height: h, width: w, cols: 3, captions, captionColors: captions.map(() => '#c0392b'),
    })));
  }
  for (const f of files) reporter.line(`wrote ${f}`);
  reporter.result({
    test_accuracy: accuracy, classNames: names, confusion: names.map((_, t) => Array.from(cm.subarray(t * C, (t + 1) * C))),
    per_class: report.map((r, c) => ({ class: names[c], ...r })), most_confused: pairs.map((p) => ({ true: names[p.truth], predicted: names[p.predicted], count: p.count })), files,
  });
}
