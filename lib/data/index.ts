// The data module's public API: the IDX reader, the MNIST / Fashion-MNIST loader, and the pure helpers
// (one-hot, class subsets, validation splits, row gathers, the mini-batch iterator).
export * from './idx';
export * from './datasets';
export * from './helpers';
