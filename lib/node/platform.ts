// The core's platform on Node (lib/backend/platform.ts): the built wasm modules read from disk, helper
// threads on worker_threads, switches from process.env, warnings through process.emitWarning.
// Importing this module installs it; every Node entry point does (lib/index.ts, the CLI, the sweep
// workers, the benchmarks; the tests through jest's setup). It only registers: nothing is read or started.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { setPlatform, type Platform } from '../backend/platform';

/** Where the built .wasm files are: dist/lib/backend/wasm seen from dist/lib/node, or from lib/node (sources under ts-jest). */
const WASM_DIRS = [join(__dirname, '..', 'backend', 'wasm'), resolve(__dirname, '../../dist/lib/backend/wasm')];

export const nodePlatform: Platform = {
  name: 'node',
  readWasm(file) {
    for (const dir of WASM_DIRS) {
      const p = join(dir, file);
      if (existsSync(p)) return readFileSync(p);
    }
    return null;
  },
  startWorker(source, workerData) {
    const w = new Worker(`const { workerData } = require('worker_threads');\n${source}`, { eval: true, workerData });
    w.unref(); // a helper never keeps the process alive
    return { onError: (listener) => void w.on('error', listener), terminate: () => void w.terminate() };
  },
  env: (name) => process.env[name],
  enableRelaxedSimd() {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // an embedder that refuses flags: the plain SIMD build runs
    }
  },
  warn: (message) => process.emitWarning(message),
};

setPlatform(nodePlatform);
