// scratchnet for browsers (`import * as sn from 'scratchnet/web'`): the platform-free core plus
// loading models and IDX data over fetch. Bundled as an ES module by `npm run build:web`.
export * from '../core';
export { fetchBytes, fetchIdx, fetchModel } from './fetch';
export { canUseWasmThreads, loadWasmBackendFromBytes, loadWasmBackendFromUrl, type WebWasmOptions } from './wasm';
