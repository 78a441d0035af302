// Data on Node: the platform-free data module plus reading MNIST / Fashion-MNIST from disk.
export * from '../data';
export * from './idx-file';
export * from './datasets';
export * from './data-sources';
export * from './download';
