// Q10: the three configurations the Fashion-MNIST search ranked best on its validation split
// (docs/search-defaults.json: stage 3's winner at 0.8990 after 25 epochs, then stage 2's first two at
// 0.8960 and 0.8940 after 15), recommended for MNIST as the seed recommends the top three of its own sweep.

import type { AssignmentConfig } from './assignment';

const common = { activation: 'ReLU', weight_init: 'Xavier', optimizer: 'adam', loss: 'cross_entropy', batch_size: 64 } as const;

export const RECOMMENDED_MNIST_CONFIGS: { label: string; config: Partial<AssignmentConfig> }[] = [
  {
    label: '3x512 adam lr 5e-4 wd 5e-5, 25 ep',
    config: { ...common, num_layers: 3, hidden_size: 512, learning_rate: 5e-4, weight_decay: 5e-5, epochs: 25 },
  },
  { label: '3x256 adam lr 1e-3, 15 ep', config: { ...common, num_layers: 3, hidden_size: 256, learning_rate: 1e-3, weight_decay: 0, epochs: 15 } },
  { label: '2x512 adam lr 1e-3, 15 ep', config: { ...common, num_layers: 2, hidden_size: 512, learning_rate: 1e-3, weight_decay: 0, epochs: 15 } },
];
