// scratchnet for browsers (`import * as sn from 'scratchnet/web'`): the platform-free core plus
// loading models, IDX data and the wasm backend over fetch. Bundled as an ES module by `npm run build:web`.
import './platform';
export * from '../core';
export { fetchBytes, fetchIdx, fetchModel } from './fetch';
export { canShareWasmMemory, canUseWasmThreads, loadWasmBackendFromBytes, loadWasmBackendFromUrl, type WasmBytes, type WebWasmOptions } from './wasm';
