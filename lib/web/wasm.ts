// The wasm backend in a browser: kernels.wasm and step.wasm fetched (or given as bytes), compiled, and
// instantiated on one shared memory. Shared WebAssembly memory needs a cross-origin isolated page
// (COOP same-origin + COEP require-corp, as `scratchnet serve` sends). Threads: the helper runs on a Web
// Worker where the caller is itself a worker (a page's main thread may not block in Atomics.wait);
// elsewhere every kernel runs on the calling thread.

import { setBackend } from '../backend';
import { useWasmModules, type WasmBackend } from '../backend/wasm';
import type { WasmModule } from '../backend/wasm/memory';

/** Asynchronous compilation (a page's main thread may not compile big modules synchronously); typed
 * locally because the library compiles without the DOM's WebAssembly types. */
const compileWasm = (bytes: Uint8Array | ArrayBuffer): Promise<WasmModule> =>
  (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array | ArrayBuffer): Promise<WasmModule> } }).WebAssembly.compile(bytes);

export interface WebWasmOptions {
  /** Split big GEMMs with a helper Web Worker. Default: true in a worker of an isolated page. */
  threads?: boolean;
}

/** True where this code can block (a worker) and share memory (a cross-origin isolated context). */
export function canUseWasmThreads(): boolean {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; document?: unknown; WorkerGlobalScope?: unknown };
  return g.crossOriginIsolated === true && g.document === undefined && g.WorkerGlobalScope !== undefined;
}

function checkIsolated(): void {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('wasm backend unavailable here: its memory is shared, which needs a cross-origin isolated page (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, as `scratchnet serve` does)');
  }
}

/** The wasm backend from the two modules' bytes; selected with setBackend('wasm') and returned. */
export async function loadWasmBackendFromBytes(kernels: Uint8Array | ArrayBuffer, step: Uint8Array | ArrayBuffer | null, opts: WebWasmOptions = {}): Promise<WasmBackend> {
  checkIsolated();
  const [k, s] = await Promise.all([compileWasm(kernels), step ? compileWasm(step) : null]);
  return select(k, s, opts);
}

/**
 * The wasm backend from `kernels.wasm` and `step.wasm` under base (a URL ending in '/'; the demo page
 * serves them beside scratchnet.js); selected with setBackend('wasm') and returned.
 */
export async function loadWasmBackendFromUrl(base: string | URL, opts: WebWasmOptions = {}): Promise<WasmBackend> {
  checkIsolated();
  const compile = async (name: string): Promise<WasmModule> => {
    const res = await fetch(new URL(name, base));
    if (!res.ok) throw new Error(`${new URL(name, base)}: HTTP ${res.status}, expected 200`);
    return compileWasm(await res.arrayBuffer());
  };
  const [k, s] = await Promise.all([compile('kernels.wasm'), compile('step.wasm')]);
  return select(k, s, opts);
}

function select(kernels: WasmModule, step: WasmModule | null, opts: WebWasmOptions): WasmBackend {
  const backend = useWasmModules(kernels, step);
  backend.options.threads = opts.threads ?? canUseWasmThreads();
  setBackend('wasm');
  return backend;
}
