// Which backend new layers and models compute with. A model keeps the backend it was built with.

import type { Backend } from './backend';
import { referenceBackend } from './reference';

export type { Backend, Buffer, ReadBuffer } from './backend';
export { referenceBackend } from './reference';

const registry = new Map<string, () => Backend>([['reference', () => referenceBackend]]);
let current: Backend = referenceBackend;

/** Makes a backend selectable by name (the fast backend registers itself this way). */
export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

/** Names of every backend that can be selected. */
export function listBackends(): string[] {
  return [...registry.keys()];
}

/** Selects the backend used by layers built from now on. Throws on an unknown name. */
export function setBackend(name: string): Backend {
  const factory = registry.get(name);
  if (!factory) throw new Error(`unknown backend '${name}': expected one of ${listBackends().join(', ')}`);
  current = factory();
  return current;
}

/** The backend layers built now will use. */
export function getBackend(): Backend {
  return current;
}
