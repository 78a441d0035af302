// Stands in for lib/backend/wasm in the browser bundle until the wasm backend can load there (it
// reads kernels.wasm from disk and starts worker_threads): the reference backend is used instead.
import type { Backend } from '../backend/backend';

export type WasmBackend = Backend;
const unavailable = (): never => {
  throw new Error('wasm backend unavailable in this browser build: the reference backend is used');
};
export const loadWasmBackend: () => WasmBackend = unavailable;
export const tryLoadWasmBackend = (): WasmBackend | null => null;
export const shutdown = (): void => {};
