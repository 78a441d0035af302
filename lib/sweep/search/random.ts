// Random search: every parameter drawn independently from its distribution.

import type { SearchMethod } from './method';
import { samplePrior } from './sample';

export const randomSearch: SearchMethod = {
  suggest(space, _trials, rng) {
    const out: Record<string, string | number | boolean> = {};
    for (const [name, spec] of Object.entries(space)) out[name] = samplePrior(spec, rng);
    return out;
  },
};
