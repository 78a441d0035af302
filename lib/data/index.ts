// The data module's platform-free API: the IDX parser and the pure helpers (one-hot, class subsets,
// validation splits, row gathers, the mini-batch iterator). Reading datasets from disk is in lib/node.
export * from './idx';
export * from './helpers';
export * from './digit';
