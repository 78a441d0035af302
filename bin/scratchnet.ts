#!/usr/bin/env node
// Entry point of `npx scratchnet`. Errors a user can cause print one line and exit 1, no stack.

import '../lib/node/platform'; // Node's platform for the core (wasm files, threads, environment)
import { redact } from '../lib/node/queue/connection';
import { stopProgressBars } from './cli';
import { buildProgram } from './program';
import { expandShortFlags } from './train-flags';

buildProgram()
  .parseAsync(expandShortFlags(process.argv))
  // A bar left drawing (its redraw timer) would keep the process alive: stop them all either way.
  .then(stopProgressBars, (err: unknown) => {
    stopProgressBars();
    // redact: a message may quote a queue address; its password is never printed.
    process.stderr.write(`scratchnet: ${redact(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = 1;
  });
