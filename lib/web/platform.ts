// The core's platform in a browser (lib/backend/platform.ts): helper threads on Web Workers; no files
// (the wasm modules are fetched and handed over compiled, ./wasm.ts), no environment, warnings on the
// console. Importing this module (scratchnet/web does) installs it where no platform is installed yet:
// in a page; Node code that imports the web entry (its tests do) keeps Node's.

import { noPlatform, platform, setPlatform, type Platform } from '../backend/platform';

/** The part of a Web Worker used here (typed locally: the library compiles without the DOM types). */
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: (e: unknown) => void): void;
  terminate(): void;
}
const web = globalThis as unknown as { Worker?: new (url: string) => WebWorker };

export const webPlatform: Platform = {
  ...noPlatform,
  name: 'browser',
  startWorker(source, workerData) {
    if (!web.Worker) throw new Error('no Web Workers here');
    // The script runs on the first message, which carries workerData (the compiled modules and the
    // shared memory; posting them needs a cross-origin isolated page).
    const script = `self.onmessage = (ev) => {\n  self.onmessage = null;\n  const workerData = ev.data;\n${source}\n};\n`;
    const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    const w = new web.Worker(url);
    w.postMessage(workerData);
    return {
      onError: (listener) => w.addEventListener('error', listener),
      terminate: () => {
        w.terminate();
        URL.revokeObjectURL(url);
      },
    };
  },
};

if (platform() === noPlatform) setPlatform(webPlatform);
