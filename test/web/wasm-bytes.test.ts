// loadWasmBackendFromBytes and loadWasmBackendFromUrl (lib/web/wasm.ts) run on Node too (WebAssembly.compile
// are web APIs Node has): Node is not a cross-origin isolated page, so they take the unshared build unless
// told otherwise, and refuse shared memory saying why. (The URL loader's fetching runs in the browser tests.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend, referenceBackend } from '../../lib';
import { canShareWasmMemory, loadWasmBackendFromBytes, loadWasmBackendFromUrl } from '../../lib/web';
import { shutdown } from '../../lib/backend/wasm';

const DIST = join(__dirname, '..', '..', 'dist', 'lib', 'backend', 'wasm');
const bytes = (file: string): Uint8Array => readFileSync(join(DIST, file));
afterAll(() => shutdown());

test('here memory cannot be shared (no cross-origin isolation), so shared: true is refused with the reason', async () => {
  expect(canShareWasmMemory()).toBe(false);
  await expect(loadWasmBackendFromBytes({ kernels: bytes('kernels.wasm') }, { shared: true })).rejects.toThrow(/shared memory needs a cross-origin isolated page \(Cross-Origin-Opener-Policy: same-origin/);
});

test('the wrong build for the memory is refused, naming the right one', async () => {
  await expect(loadWasmBackendFromBytes({ kernels: bytes('kernels.wasm') })).rejects.toThrow(/unshared build is dist\/lib\/backend\/wasm\/unshared/);
});

test('from bytes: the unshared build, selected, image and step kernels in wasm, computing what the reference computes', async () => {
  const be = await loadWasmBackendFromBytes({ kernels: bytes('unshared/kernels.wasm'), step: bytes('unshared/step.wasm'), image: bytes('unshared/image.wasm') }, { heapBytes: 4 * 2 ** 20 });
  expect(getBackend()).toBe(be);
  expect([be.shared, be.options.threads, be.fmaAvailable]).toEqual([false, false, false]);
  expect(be.heap.memory.buffer.byteLength).toBe(4 * 2 ** 20);
  expect(be.imageKernels).toBeTruthy();
  // Small integers: every sum exact, whatever the order.
  const a = be.alloc(6);
  a.set([1, -2, 3, 4, 0, -1]);
  const b = be.alloc(6);
  b.set([2, 5, -1, 3, 7, 0]);
  expect(be.heap.offsetOf(a)).toBeGreaterThan(0);
  expect(Array.from(be.gemm(be.alloc(4), a, b, 2, 3, 2))).toEqual(Array.from(referenceBackend.gemm(new Float32Array(4), a, b, 2, 3, 2)));
  expect(Array.from(be.gemm(be.alloc(4), a, b, 2, 3, 2))).toEqual([25, -1, 1, 20]);
});

test('from a URL, once a backend is loaded: the same one, nothing fetched', async () => {
  const be = getBackend();
  await expect(loadWasmBackendFromUrl('http://127.0.0.1:1/')).resolves.toBe(be);
});
