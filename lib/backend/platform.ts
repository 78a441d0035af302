// What the core needs from the runtime it runs on, handed in from the edge: lib/node/platform.ts on Node
// (files, worker_threads, process.env), lib/web/platform.ts in a browser (Web Workers). The core itself
// imports nothing platform-specific (test/web/core-imports.test.ts), as tfjs-core leaves Node to tfjs-node.
// Until an edge installs one, the core runs with none: no wasm files to read, no threads, no environment.

/** A thread started by Platform.startWorker. */
export interface PlatformWorker {
  /** Called if the thread fails to start or throws. */
  onError(listener: (error: unknown) => void): void;
  /** Stops the thread. */
  terminate(): void;
}

export interface Platform {
  /** Name for messages: 'node', 'browser', 'none'. */
  readonly name: string;
  /**
   * The bytes of a built wasm module, by its path under the build's wasm folder ('kernels.wasm',
   * 'unshared/step.wasm'), or null where there is none (not built, or no files on this platform).
   */
  readWasm(file: string): Uint8Array | null;
  /**
   * Starts a thread running `source`, a plain script that finds the value passed here in a variable
   * named `workerData`. Throws where threads cannot be started.
   */
  startWorker(source: string, workerData: unknown): PlatformWorker;
  /** An environment switch such as SCRATCHNET_BACKEND; undefined where unset (a browser has none). */
  env(name: string): string | undefined;
  /** Asks the runtime to compile relaxed SIMD if it can switch it on (Node 20's V8 has a flag); else nothing. */
  enableRelaxedSimd(): void;
  /** Tells the user something went slower than it could (once per cause; the caller decides). */
  warn(message: string): void;
}

/** The platform before an edge installs one. */
export const noPlatform: Platform = {
  name: 'none',
  readWasm: () => null,
  startWorker: () => {
    throw new Error('no threads: no platform is installed (import scratchnet, or scratchnet/web in a browser)');
  },
  env: () => undefined,
  enableRelaxedSimd: () => {},
  warn: (message) => console.warn(message),
};

let current: Platform = noPlatform;

/** Installs the runtime's platform (the Node and web entry points do it when imported). */
export function setPlatform(p: Platform): void {
  current = p;
}

/** The installed platform. */
export function platform(): Platform {
  return current;
}
