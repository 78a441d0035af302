// The platform-free core of scratchnet: everything here runs the same in Node and in a browser
// (no file system, no worker_threads, no Node globals; test/web/core-imports.test.ts checks it).
// lib/index.ts adds the Node edge (lib/node/), lib/web/index.ts the browser's.
export * from './tensor';
export * from './rng';
export * from './backend';
export * from './ops';
export * from './init/initializers';
export * from './layers';
// Convolution, pooling, batch-norm and dropout kernels (naive: the oracles the layers' fast paths are tested against).
export * from './kernels/conv';
export * from './kernels/pool';
export * from './kernels/batchnorm';
export * from './kernels/permute';
export * from './kernels/dropout';
export * from './losses';
export * from './optimizers';
export * from './model';
export * from './gradcheck';
export * from './metrics';
export * from './data';
