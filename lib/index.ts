// scratchnet's public API.
export * from './tensor';
export * from './rng';
export * from './backend';
export * from './ops';
export * from './init/initializers';
export * from './layers';
// Convolution, pooling and batch-norm kernels (naive: the oracles the layers' fast paths are tested against).
export * from './kernels/conv';
export * from './kernels/pool';
export * from './kernels/batchnorm';
export * from './losses';
export * from './optimizers';
export * from './model';
export * from './gradcheck';
export { writeFileAtomic } from './node/fs';
export * from './metrics';
export * from './node/data';
export * from './node/plot';
// The experiments (the AYLA loss, the dynamical loss, the cubic layer), callable from code.
export * from './node/experiments/ayla';
export * from './node/experiments/dynamic-loss';
export * from './node/experiments/custom-layer';
