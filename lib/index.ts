// scratchnet's public API on Node: the platform-free core (lib/core.ts) plus the Node edge (lib/node/):
// files, datasets on disk, figures, the seed experiments.
export * from './core';
export { writeFileAtomic } from './node/fs';
export * from './node/data';
export * from './node/model-file';
export * from './node/plot';
// The experiments (the AYLA loss, the dynamical loss, the cubic layer), callable from code.
export * from './node/experiments/ayla';
export * from './node/experiments/dynamic-loss';
export * from './node/experiments/custom-layer';
