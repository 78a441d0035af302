// `scratchnet data`: where each data set is read from (the repository's data/ folder, or the user cache
// an npm install downloads into), which of its files are there, and with --verify whether each matches
// its recorded SHA-256; --fetch downloads what the cache lacks.

import { Command } from 'commander';
import { rmSync } from 'node:fs';
import { DATASET_NAMES, datasetStatus, fetchDataset, resolveDatasetName, type DatasetStatus } from '../../lib/node/data';
import { Reporter, addSharedFlags, choiceArg } from '../cli';

const BAD = new Set(['mismatch', 'unreadable']);

function describe(s: DatasetStatus, reporter: Reporter): void {
  const where = s.kind === 'shipped' ? "the repository's data/ folder" : 'the download cache (fetched on first use)';
  reporter.line(`${s.name} (${s.label}): ${where}`);
  reporter.line(`  ${s.dir}`);
  for (const f of s.files) {
    const state = f.status === 'missing' && s.kind === 'cache' ? 'missing (fetched on first use, or now with --fetch)' : f.status;
    reporter.line(`  ${f.file.padEnd(24)} ${state}${f.detail ? `: ${f.detail}` : ''}`);
  }
  if (s.kind === 'cache') reporter.line(`  mirrors, in order: ${s.mirrors.join(' ')}`);
}

export function dataCommand(): Command {
  const cmd = new Command('data')
    .description('show where each data set is read from (data/ in a clone, the download cache in an npm install) and check its files')
    .option('-d, --dataset <name>', `only this data set (${DATASET_NAMES.join(', ')})`, choiceArg('--dataset', DATASET_NAMES, { 'fashion-mnist': 'fashion_mnist' }))
    .option('--verify', 'hash every file and compare it with its recorded SHA-256 (exit 1 on a mismatch)', false)
    .option('--fetch', 'download the files the cache lacks now (with --verify: also replace cached files that fail)', false);
  return addSharedFlags(cmd, { json: true })
    .action(async (opts: { dataset?: string; verify: boolean; fetch: boolean; json: boolean }) => {
      const reporter = new Reporter(opts.json);
      const names = opts.dataset ? [resolveDatasetName(opts.dataset)] : [...DATASET_NAMES];
      const statuses: DatasetStatus[] = [];
      for (const name of names) {
        let s = datasetStatus(name, { verify: opts.verify });
        if (opts.fetch && s.kind === 'cache' && s.files.some((f) => f.status === 'missing' || BAD.has(f.status))) {
          for (const f of s.files) if (BAD.has(f.status) && f.path) rmSync(f.path);
          await fetchDataset(name);
          s = datasetStatus(name, { verify: opts.verify });
        }
        describe(s, reporter);
        statuses.push(s);
      }
      const bad = statuses.flatMap((s) => s.files.filter((f) => BAD.has(f.status)).map((f) => f.path));
      if (bad.length) {
        reporter.line(`${bad.length} file(s) failed the check: ${bad.join(', ')}`);
        reporter.line('A cached file that fails is replaced by `scratchnet data --verify --fetch`; a file in data/ is restored by `git checkout data/`.');
        process.exitCode = 1;
      }
      reporter.result({ datasets: statuses });
    });
}
