#!/usr/bin/env node
// Entry point of `npx scratchnet`. Errors a user can cause print one line and exit 1, no stack.

import { buildProgram } from './program';
import { expandShortFlags } from './train-flags';

buildProgram()
  .parseAsync(expandShortFlags(process.argv))
  .catch((err: unknown) => {
    process.stderr.write(`scratchnet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
