// The wasm backend in a browser: its modules fetched (or given as bytes), compiled asynchronously, and
// instantiated. On a cross-origin isolated page (COOP same-origin + COEP require-corp, as `scratchnet serve`
// sends) the memory is shared and, in a worker, a helper Web Worker takes half of each big GEMM (a page's
// main thread may not block in Atomics.wait, so it computes on one thread). Elsewhere browsers withhold
// shared memory: the unshared build (unshared/*.wasm, the same kernels) runs on a fixed heap, on one thread.

import { setBackend } from '../backend';
import { loadedWasmBackend, useWasmModules, WASM_BUILDS, WASM_FILES, type WasmBackend, type WasmModules, type WasmRole } from '../backend/wasm';
import type { WasmModule } from '../backend/wasm/memory';

/** Asynchronous compilation (a page's main thread may not compile big modules synchronously); typed
 * locally because the library compiles without the DOM's WebAssembly types. */
const compileWasm = (bytes: Uint8Array | ArrayBuffer): Promise<WasmModule> =>
  (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array | ArrayBuffer): Promise<WasmModule> } }).WebAssembly.compile(bytes);

/**
 * The modules a page loads: every one of WASM_FILES but the relaxed-SIMD (FMA) build, whose fused
 * multiply-adds round differently where the hardware has them; the plain build gives a page the numbers
 * Node's plain build gives.
 */
const WEB_ROLES = (Object.keys(WASM_FILES) as WasmRole[]).filter((r) => r !== 'kernelsFma');

export interface WebWasmOptions {
  /** Split big GEMMs with a helper Web Worker. Default: where possible (canUseWasmThreads). */
  threads?: boolean;
  /** Shared memory (the build in the wasm folder) or the unshared build. Default: canShareWasmMemory(). */
  shared?: boolean;
  /** The unshared build's fixed heap, in bytes (a multiple of 64 KiB). Default 256 MiB. */
  heapBytes?: number;
}

/** The bytes of each module of one build (shared or unshared, as opts.shared says); only kernels is required. */
export type WasmBytes = { kernels: Uint8Array | ArrayBuffer } & { [R in Exclude<WasmRole, 'kernels'>]?: Uint8Array | ArrayBuffer | null };

/** True where WebAssembly memory can be shared: a cross-origin isolated context. */
export function canShareWasmMemory(): boolean {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
}

/** True where this code can block (a worker) and share memory (a cross-origin isolated context). */
export function canUseWasmThreads(): boolean {
  const g = globalThis as unknown as { document?: unknown; WorkerGlobalScope?: unknown };
  return canShareWasmMemory() && g.document === undefined && g.WorkerGlobalScope !== undefined;
}

function sharedFrom(opts: WebWasmOptions): boolean {
  const shared = opts.shared ?? canShareWasmMemory();
  if (shared && !canShareWasmMemory()) {
    throw new Error('wasm backend: shared memory needs a cross-origin isolated page (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, as `scratchnet serve` sends); leave `shared` unset to get the unshared build on one thread');
  }
  return shared;
}

/**
 * The wasm backend from the modules' bytes (of the build opts.shared names); selected with setBackend('wasm')
 * and returned. Once one is loaded on this thread, both loaders return it (opts.threads still applies).
 */
export async function loadWasmBackendFromBytes(bytes: WasmBytes, opts: WebWasmOptions = {}): Promise<WasmBackend> {
  const loaded = loadedWasmBackend();
  if (loaded) return selectLoaded(loaded, opts);
  const shared = sharedFrom(opts);
  const roles = WEB_ROLES.filter((r) => bytes[r]);
  return select(roles, await Promise.all(roles.map((r) => compileWasm(bytes[r]!))), shared, opts);
}

/**
 * The wasm backend from the modules under base (a URL ending in '/': the demo page serves them beside
 * scratchnet.js, the unshared build under unshared/); selected with setBackend('wasm') and returned.
 */
export async function loadWasmBackendFromUrl(base: string | URL, opts: WebWasmOptions = {}): Promise<WasmBackend> {
  const loaded = loadedWasmBackend();
  if (loaded) return selectLoaded(loaded, opts);
  const shared = sharedFrom(opts);
  const build = shared ? WASM_BUILDS.shared : WASM_BUILDS.unshared;
  const compile = async (role: WasmRole): Promise<WasmModule> => {
    const url = new URL(build + WASM_FILES[role], base);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}, expected 200`);
    return compileWasm(await res.arrayBuffer());
  };
  return select(WEB_ROLES, await Promise.all(WEB_ROLES.map(compile)), shared, opts);
}

/** This thread's wasm backend from the modules compiled for `roles`, selected with its threads option set. */
function select(roles: WasmRole[], compiled: WasmModule[], shared: boolean, opts: WebWasmOptions): WasmBackend {
  const modules = Object.fromEntries(roles.map((r, i) => [r, compiled[i]])) as WasmModules;
  return selectLoaded(useWasmModules(modules, { shared, heapBytes: opts.heapBytes }), opts);
}

function selectLoaded(backend: WasmBackend, opts: WebWasmOptions): WasmBackend {
  backend.options.threads = backend.shared && (opts.threads ?? canUseWasmThreads());
  setBackend('wasm');
  return backend;
}
