// How train's defaults were chosen (the assignment asks that they be the best configuration found):
// a two-stage search on Fashion-MNIST, judged on the validation split only (10% of train, seeded);
// the test set is never looked at here. Stage 1 trains every candidate for a few epochs; stage 2
// trains the best three for longer. Results go to docs/search-defaults.json.
//
//   npm run build && node dist/scripts/search-defaults.js [stage1Epochs=5] [stage2Epochs=15]
//   node dist/scripts/search-defaults.js stage3

import { DEFAULT_CONFIG, loadAssignmentData, trainAssignment, type AssignmentConfig } from '../lib/experiments/assignment';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../lib/util/fs';

const base: AssignmentConfig = { ...DEFAULT_CONFIG, dataset: 'fashion_mnist', seed: 1 };

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
    const h = r.history.history;
    const row = { config, val_accuracy: h.val_accuracy[h.val_accuracy.length - 1], val_loss: h.val_loss[h.val_loss.length - 1], seconds: r.trainSeconds };
    rows.push(row);
    const c = config;
    console.log(`${stage}  val_acc ${row.val_accuracy.toFixed(4)}  val_loss ${row.val_loss.toFixed(4)}  ${row.seconds.toFixed(0)}s  ${c.num_layers}x${c.hidden_size} ${c.activation} ${c.weight_init} ${c.optimizer} lr=${c.learning_rate} bs=${c.batch_size} wd=${c.weight_decay} e=${c.epochs}`);
  }
  return rows.sort((a, b) => b.val_accuracy - a.val_accuracy);
}

// Stage 3 (run after stages 1–2 with `stage3` as the first argument): the stage-2 winner overfits
// (train 0.93 vs validation 0.89 at 15 epochs), so try L2 weight decay, width and a longer schedule.
const stage3Candidates: Partial<AssignmentConfig>[] = [
  { num_layers: 3, hidden_size: 256, weight_decay: 1e-4, epochs: 20 },
  { num_layers: 3, hidden_size: 512, weight_decay: 1e-4, epochs: 20 },
  { num_layers: 3, hidden_size: 512, weight_decay: 5e-5, learning_rate: 5e-4, epochs: 25 },
];

function main(): void {
  const data = loadAssignmentData('fashion_mnist', { splitSeed: 1 });
  if (process.argv[2] === 'stage3') {
    const prior = JSON.parse(readFileSync('docs/search-defaults.json', 'utf8'));
    const stage3 = run(stage3Candidates.map((c) => ({ ...prior.best, ...c })), data, 'stage3');
    const all = [...prior.stage2, ...stage3].sort((a: Row, b: Row) => b.val_accuracy - a.val_accuracy);
    const out = { ...prior, date3: new Date().toISOString(), stage3, best: all[0].config };
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
