// The docs' bayes-vs-random table: on the synthetic benchmark of lib/sweep/benchmark.ts, how many
// trials each search method needs before its best score reaches a fraction of the optimum, averaged
// over many seeds (each seed = a different objective and a different search seed).
//
//   npm run build && node dist/scripts/sweep-benchmark.js [seeds=30] [budget=200] [firstSeed=101]
// Seeds 1-30 were used to choose TPE's γ and exploration rate; the docs report seeds 101-130.

import { trialsToReach } from '../lib/sweep/benchmark';
import { methodFor } from '../lib/sweep/search';
import { cpus } from 'node:os';

const seeds = Number(process.argv[2] ?? 30);
const budget = Number(process.argv[3] ?? 200);
const first = Number(process.argv[4] ?? 101);
const fractions = [0.9, 0.95, 0.98, 0.99];

const rows: string[] = [];
const results: Record<string, number[][]> = {};
for (const name of ['random', 'bayes'] as const) {
  results[name] = [];
  for (let s = first; s < first + seeds; s++) results[name].push(trialsToReach(methodFor(name), s, 1000 + s, fractions, budget));
}
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const median = (a: number[]) => { const b = [...a].sort((x, y) => x - y); return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
rows.push(`| fraction of the optimum | random: mean (median) trials | bayes (TPE): mean (median) trials | random / bayes (means) | not reached in ${budget} (random, bayes) |`);
rows.push('|---|---|---|---|---|');
fractions.forEach((q, k) => {
  const r = results.random.map((x) => x[k]);
  const b = results.bayes.map((x) => x[k]);
  const miss = (a: number[]) => a.filter((v) => v > budget).length;
  rows.push(`| ${q} | ${mean(r).toFixed(1)} (${median(r)}) | ${mean(b).toFixed(1)} (${median(b)}) | ${(mean(r) / mean(b)).toFixed(2)} | ${miss(r)}, ${miss(b)} |`);
});
console.log(`seeds ${first}-${first + seeds - 1}, budget ${budget} trials (a run that never reaches a fraction counts as ${budget + 1}); CPU ${cpus()[0]?.model}`);
console.log(rows.join('\n'));
