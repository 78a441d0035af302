// Which backend new layers and models compute with. A model keeps the backend it was built with.

import type { Backend } from './backend';
import { referenceBackend } from './reference';
import { platform } from './platform';
import { loadWasmBackend, tryLoadWasmBackend } from './wasm';

export type { Backend, Buffer, ImageGeometry, ImageKernels, ReadBuffer, StepKernels } from './backend';
export { referenceBackend } from './reference';
export { loadWasmBackend, shutdown as shutdownWasm, type WasmBackend } from './wasm';
export { platform, setPlatform, type Platform, type PlatformWorker } from './platform';

const registry = new Map<string, () => Backend>([
  ['reference', () => referenceBackend],
  // Loading twice returns the same backend (one wasm memory per process); throws a clear error
  // when kernels.wasm is missing or the runtime lacks WebAssembly SIMD.
  ['wasm', loadWasmBackend],
]);
// Nothing happens at import: no environment read, no wasm compiled, no memory reserved. The first
// getBackend() (a layer or model being built) or an explicit ready() picks the default: the fast backend
// when it loads here, silently the reference otherwise; SCRATCHNET_BACKEND=<name> forces a choice.
let current: Backend | null = null;

function defaultBackend(): Backend {
  const forced = platform().env('SCRATCHNET_BACKEND');
  if (forced) {
    const factory = registry.get(forced);
    if (!factory) throw new Error(`SCRATCHNET_BACKEND='${forced}': expected one of ${listBackends().join(', ')}`);
    return factory();
  }
  return tryLoadWasmBackend() ?? referenceBackend;
}

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

/** The backend layers built now will use (the default is chosen, and loaded, on the first call). */
export function getBackend(): Backend {
  if (!current) current = defaultBackend();
  return current;
}

/**
 * Loads the default backend now (compiling the wasm kernels) and returns it, as tfjs's `tf.ready()`
 * does, so that the cost is paid where the caller wants it. Optional: the first model loads it anyway.
 */
export function ready(): Backend {
  return getBackend();
}
