// The search methods by name.

import type { Method } from '../schema';
import { bayesSearch } from './bayes';
import { gridSearch } from './grid';
import type { SearchMethod } from './method';
import { randomSearch } from './random';

export function methodFor(method: Method): SearchMethod {
  switch (method) {
    case 'grid': return gridSearch;
    case 'random': return randomSearch;
    case 'bayes': return bayesSearch;
  }
}

export type { SearchMethod, Observation } from './method';
