// The optimizer registry: createOptimizer(name, config) for the model and the CLI, and
// registerOptimizer(name, factory) so that a user's optimizer (one file, see examples/adagrad.ts) is
// reachable by name exactly like the built-in ones. Names are case-insensitive.

import { Adam } from './adam';
import { Momentum } from './momentum';
import { Nadam } from './nadam';
import { NAG } from './nag';
import type { Optimizer, OptimizerConfig } from './optimizer';
import { RMSprop } from './rmsprop';
import { SGD } from './sgd';

export * from './optimizer';
export { SGD } from './sgd';
export { Momentum } from './momentum';
export { NAG } from './nag';
export { RMSprop } from './rmsprop';
export { Adam } from './adam';
export { Nadam } from './nadam';

/** Builds an optimizer from its hyperparameters; validates them (throws on a bad one). */
export type OptimizerFactory = (config: OptimizerConfig) => Optimizer;

const factories = new Map<string, OptimizerFactory>();
/** alias → canonical name. */
const aliases = new Map<string, string>();
const names: string[] = [];

/**
 * The registered optimizer names, built-in first, then the user's in registration order. A live view:
 * registerOptimizer() appends to it. Aliases (nesterov → nag) are accepted by createOptimizer but not listed.
 */
export const optimizerNames: readonly string[] = names;

/**
 * Makes `name` (case-insensitive) available to createOptimizer. Throws if the name is taken, so a
 * built-in cannot be replaced by accident.
 */
export function registerOptimizer(name: string, factory: OptimizerFactory): void {
  const key = name.toLowerCase();
  if (!/^[a-z][a-z0-9_-]*$/.test(key)) {
    throw new Error(`registerOptimizer: invalid name '${name}'; expected letters, digits, '_' or '-', starting with a letter`);
  }
  if (factories.has(key) || aliases.has(key)) {
    throw new Error(`registerOptimizer: an optimizer named '${key}' is already registered`);
  }
  factories.set(key, factory);
  names.push(key);
}

/** The valid names for error messages: 'sgd, momentum, nag (alias nesterov), ...'. */
function describeNames(): string {
  return names
    .map((n) => {
      const alias = [...aliases].filter(([, target]) => target === n).map(([a]) => a);
      return alias.length > 0 ? `${n} (alias ${alias.join(', ')})` : n;
    })
    .join(', ');
}

/** An optimizer by name (case-insensitive; 'nesterov' is an alias of 'nag'). Unknown name → Error listing the valid ones. */
export function createOptimizer(name: string, config: OptimizerConfig = {}): Optimizer {
  const lower = String(name).toLowerCase();
  const key = aliases.get(lower) ?? lower;
  const factory = factories.get(key);
  if (factory === undefined) {
    throw new Error(`unknown optimizer '${name}'; valid names: ${describeNames()}`);
  }
  return factory(config);
}

registerOptimizer('sgd', (c) => new SGD(c));
registerOptimizer('momentum', (c) => new Momentum(c));
registerOptimizer('nag', (c) => new NAG(c));
registerOptimizer('rmsprop', (c) => new RMSprop(c));
registerOptimizer('adam', (c) => new Adam(c));
registerOptimizer('nadam', (c) => new Nadam(c));
aliases.set('nesterov', 'nag');
