// scratchnet's public API.
export * from './tensor';
export * from './rng';
export * from './backend';
export * from './ops';
export * from './init/initializers';
export * from './layers';
export * from './losses';
export * from './optimizers';
export * from './model';
export * from './gradcheck';
export { writeFileAtomic } from './util/fs';
export * from './metrics';
export * from './data';
export * from './plot';
// The seed experiments (ayla, dynamic-loss, custom-layer), callable from code.
export * from './experiments/ayla';
export * from './experiments/dynamic-loss';
export * from './experiments/custom-layer';
