// Q10: the three configurations the Fashion-MNIST search ranked best on its validation split
// (docs/search-defaults.json, stage 2: validation accuracy 0.8960, 0.8940, 0.8918 after 15 epochs),
// recommended for MNIST as the seed recommends the top three of its own sweep.

import type { AssignmentConfig } from './assignment';

const common = { activation: 'ReLU', weight_init: 'Xavier', optimizer: 'adam', weight_decay: 0, loss: 'cross_entropy', epochs: 15 } as const;

export const RECOMMENDED_MNIST_CONFIGS: { label: string; config: Partial<AssignmentConfig> }[] = [
  { label: '3x256 adam lr 1e-3 bs 64', config: { ...common, num_layers: 3, hidden_size: 256, learning_rate: 1e-3, batch_size: 64 } },
  { label: '2x512 adam lr 1e-3 bs 64', config: { ...common, num_layers: 2, hidden_size: 512, learning_rate: 1e-3, batch_size: 64 } },
  { label: '3x256 adam lr 5e-4 bs 32', config: { ...common, num_layers: 3, hidden_size: 256, learning_rate: 5e-4, batch_size: 32 } },
];
