#!/usr/bin/env node
// Entry point of `npx scratchnet`. Errors a user can cause print one line and exit 1, no stack.

import { stopProgressBars } from './cli';
import { buildProgram } from './program';
import { expandShortFlags } from './train-flags';

buildProgram()
  .parseAsync(expandShortFlags(process.argv))
  // A bar left drawing (its redraw timer) would keep the process alive: stop them all either way.
  .then(stopProgressBars, (err: unknown) => {
    stopProgressBars();
    process.stderr.write(`scratchnet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
