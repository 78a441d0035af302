// Run as a child process by fetchDatasetSync: `node fetch-main.js '{"name":..., "options":...}'` fetches
// one data set into the cache and prints one JSON line, {ok: true, result} or {ok: false, message}.
// Not exported from lib/node/data: importing it runs it.

import { fetchDataset, type FetchDatasetOptions } from './datasets';

const request = JSON.parse(process.argv[2] ?? '{}') as { name: string; options?: FetchDatasetOptions };
fetchDataset(request.name, request.options).then(
  (result) => process.stdout.write(JSON.stringify({ ok: true, result }) + '\n'),
  (e: Error) => {
    process.stdout.write(JSON.stringify({ ok: false, message: e.message }) + '\n');
    process.exitCode = 1;
  },
);
