// Grid search: every combination of the parameters' values, in order (the last parameter varies
// fastest), one per trial; null once all have been suggested. Integer and q ranges are expanded
// to their values; a continuous range has no grid (the config parser refuses it).

import type { ParamSpec } from '../schema';
import type { ParamValue } from '../types';
import type { SearchMethod } from './method';

/** The values a parameter takes on the grid. */
export function gridValues(spec: ParamSpec): ParamValue[] {
  switch (spec.kind) {
    case 'constant': return [spec.value];
    case 'categorical': return spec.values;
    case 'numeric': {
      const step = spec.int ? 1 : spec.q!;
      const out: number[] = [];
      for (let k = Math.ceil(spec.min / step - 1e-9); k * step <= spec.max + 1e-9 * step; k++) out.push(Number((k * step).toPrecision(12)));
      return out;
    }
    case 'normal': throw new Error('a normal distribution has no grid');
  }
}

/** How many points the grid has. */
export function gridSize(space: Readonly<Record<string, ParamSpec>>): number {
  return Object.values(space).reduce((n, s) => n * gridValues(s).length, 1);
}

export const gridSearch: SearchMethod = {
  suggest(space, trials) {
    const names = Object.keys(space);
    const values = names.map((n) => gridValues(space[n]));
    let k = trials.length; // trial i takes grid point i (reruns after a kill keep their point)
    if (k >= gridSize(space)) return null;
    const out: Record<string, ParamValue> = {};
    for (let i = names.length - 1; i >= 0; i--) {
      out[names[i]] = values[i][k % values[i].length];
      k = Math.floor(k / values[i].length);
    }
    return Object.fromEntries(names.map((n) => [n, out[n]]));
  },
};
