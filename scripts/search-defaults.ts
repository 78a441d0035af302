// How train's defaults were chosen (the assignment asks that they be the best configuration found):
// a staged search on Fashion-MNIST, judged on the validation split only (10% of train, seeded); this
// script never touches the test set. Stage 1 trains every candidate for a few epochs; stage 2 trains
// the best three for longer; refinement stages vary the best so far. Results go to docs/search-defaults.json.
//
//   npm run build && node dist/scripts/search-defaults.js [stage1Epochs=5] [stage2Epochs=15]
//   node dist/scripts/search-defaults.js stage3
//   node dist/scripts/search-defaults.js stage4

import { DEFAULT_CONFIG, loadAssignmentData, trainAssignment, type AssignmentConfig } from '../lib/node/experiments/assignment';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../lib/node/fs';

// Stages 1-2 ran from the defaults of the time (10 epochs, no weight decay); pin what they assumed, so
// that moving DEFAULT_CONFIG to the search's result does not change the search.
const base: AssignmentConfig = { ...DEFAULT_CONFIG, dataset: 'fashion_mnist', seed: 1, weight_decay: 0 };

const candidates: Partial<AssignmentConfig>[] = [
  // The seed's reported best (88.8% after its 500-run sweep): sigmoid, random init, Adam.
  { activation: 'sigmoid', weight_init: 'random', num_layers: 3, hidden_size: 128, batch_size: 32, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'tanh', weight_init: 'Xavier', num_layers: 3, hidden_size: 128, batch_size: 32, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 128, batch_size: 64, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 64, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 64, optimizer: 'nadam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 64, optimizer: 'rmsprop', learning_rate: 1e-4 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 64, optimizer: 'adam', learning_rate: 1e-3, weight_decay: 5e-4 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 2, hidden_size: 512, batch_size: 64, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 4, hidden_size: 256, batch_size: 128, optimizer: 'adam', learning_rate: 1e-3 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 32, optimizer: 'adam', learning_rate: 5e-4 },
  { activation: 'ReLU', weight_init: 'Xavier', num_layers: 3, hidden_size: 256, batch_size: 64, optimizer: 'nag', learning_rate: 1e-2, momentum: 0.9 },
];

interface Row { config: AssignmentConfig; val_accuracy: number; val_loss: number; seconds: number }

function run(cfgs: AssignmentConfig[], data: ReturnType<typeof loadAssignmentData>, stage: string): Row[] {
  const rows: Row[] = [];
  for (const config of cfgs) {
    const r = trainAssignment(config, data);
    r.model.dispose();
    const h = r.history.history;
    const row = { config, val_accuracy: h.val_accuracy[h.val_accuracy.length - 1], val_loss: h.val_loss[h.val_loss.length - 1], seconds: r.trainSeconds };
    rows.push(row);
    const c = config;
    console.log(`${stage}  val_acc ${row.val_accuracy.toFixed(4)}  val_loss ${row.val_loss.toFixed(4)}  ${row.seconds.toFixed(0)}s  ${c.num_layers}x${c.hidden_size} ${c.activation} ${c.weight_init} ${c.optimizer} lr=${c.learning_rate} bs=${c.batch_size} wd=${c.weight_decay} e=${c.epochs}`);
  }
  return rows.sort((a, b) => b.val_accuracy - a.val_accuracy);
}

// Refinement stages, each run after the ones before with its name as the first argument (`stage3`, then
// `stage4`): candidates are changes to the best configuration so far, and compete with every earlier long
// stage (stage 1's short runs do not). Stage 3: the stage-2 winner overfits (train 0.93 vs validation 0.89
// at 15 epochs), so try L2 weight decay, width and a longer schedule. Stage 4: around stage 3's winner
// (test accuracy 0.8949, looked at only after stage 3 had chosen), depth, width, batch size, decay and length.
const refinements: Record<string, Partial<AssignmentConfig>[]> = {
  stage3: [
    { num_layers: 3, hidden_size: 256, weight_decay: 1e-4, epochs: 20 },
    { num_layers: 3, hidden_size: 512, weight_decay: 1e-4, epochs: 20 },
    { num_layers: 3, hidden_size: 512, weight_decay: 5e-5, learning_rate: 5e-4, epochs: 25 },
  ],
  stage4: [
    { num_layers: 4 },
    { hidden_size: 1024 },
    { batch_size: 128, learning_rate: 1e-3 },
    { weight_decay: 1e-4, epochs: 30 },
  ],
};

function main(): void {
  const data = loadAssignmentData('fashion_mnist', { splitSeed: 1 });
  const stage = process.argv[2] ?? '';
  if (stage in refinements) {
    const prior = JSON.parse(readFileSync('docs/search-defaults.json', 'utf8'));
    const rows = run(refinements[stage].map((c) => ({ ...prior.best, ...c })), data, stage);
    const earlier = Object.keys(prior).filter((k) => /^stage[2-9]$/.test(k) && k !== stage).flatMap((k) => prior[k] as Row[]);
    const all = [...earlier, ...rows].sort((a, b) => b.val_accuracy - a.val_accuracy);
    const out = { ...prior, [`date${stage.slice(5)}`]: new Date().toISOString(), [stage]: rows, best: all[0].config };
    writeFileAtomic('docs/search-defaults.json', JSON.stringify(out, null, 2) + '\n');
    console.log('best', JSON.stringify(all[0].config));
    return;
  }
  const e1 = Number(process.argv[2] ?? 5);
  const e2 = Number(process.argv[3] ?? 15);
  const stage1 = run(candidates.map((c) => ({ ...base, ...c, epochs: e1 })), data, 'stage1');
  const stage2 = run(stage1.slice(0, 3).map((r) => ({ ...r.config, epochs: e2 })), data, 'stage2');
  const out = { date: new Date().toISOString(), stage1Epochs: e1, stage2Epochs: e2, stage1, stage2, best: stage2[0].config };
  writeFileAtomic('docs/search-defaults.json', JSON.stringify(out, null, 2) + '\n');
  console.log('best', JSON.stringify(stage2[0].config));
}

main();
