// scratchnet's public API.
export * from './tensor';
export * from './rng';
export * from './backend';
