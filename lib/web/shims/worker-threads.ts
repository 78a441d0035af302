// worker_threads' Worker for the browser bundle, on a Web Worker: enough of it for the wasm backend's
// helper thread (lib/backend/wasm/threads.ts), which hands its worker an eval'd script and workerData
// (the compiled kernels and the shared memory; posting them needs a cross-origin isolated page).
// The script reads `require('worker_threads').workerData`, so it is wrapped in a function that gets
// workerData from the first message and a local `require` that returns it.

type Listener = (e: unknown) => void;
/** The part of a Web Worker used here (typed locally: the library compiles without the DOM types). */
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: Listener): void;
  terminate(): void;
}
const WebWorkerClass = (globalThis as unknown as { Worker: new (url: string) => WebWorker }).Worker;

export class Worker {
  private readonly w: WebWorker;
  private readonly url: string;

  constructor(source: string, options: { eval?: boolean; workerData?: unknown }) {
    if (!options.eval) throw new Error('this worker_threads stand-in runs eval\'d sources only');
    const wrapped = `self.onmessage = (ev) => {\n  self.onmessage = null;\n  const require = () => ({ workerData: ev.data });\n${source}\n};\n`;
    this.url = URL.createObjectURL(new Blob([wrapped], { type: 'text/javascript' }));
    this.w = new WebWorkerClass(this.url);
    this.w.postMessage(options.workerData);
  }

  /** 'error' only (what the helper thread listens to). */
  on(event: string, listener: Listener): this {
    if (event === 'error') this.w.addEventListener('error', (e) => listener(e));
    return this;
  }

  /** A page or worker is not kept alive by its workers anyway. */
  unref(): this {
    return this;
  }

  terminate(): Promise<number> {
    this.w.terminate();
    URL.revokeObjectURL(this.url);
    return Promise.resolve(0);
  }
}

export const workerData: unknown = undefined;
export const isMainThread = true;
