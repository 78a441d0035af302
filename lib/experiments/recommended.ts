// Q10: the three configurations the Fashion-MNIST search ranked best on its validation split
// (docs/search-defaults.json, stage 2), recommended for MNIST as the seed recommends its top three.

import type { AssignmentConfig } from './assignment';

export const RECOMMENDED_MNIST_CONFIGS: { label: string; config: Partial<AssignmentConfig> }[] = [
  { label: '3x256 ReLU adam', config: { num_layers: 3, hidden_size: 256, activation: 'ReLU', weight_init: 'Xavier', optimizer: 'adam', learning_rate: 1e-3, batch_size: 64, weight_decay: 0, epochs: 10 } },
  { label: '3x256 ReLU nadam', config: { num_layers: 3, hidden_size: 256, activation: 'ReLU', weight_init: 'Xavier', optimizer: 'nadam', learning_rate: 1e-3, batch_size: 64, weight_decay: 0, epochs: 10 } },
  { label: '2x512 ReLU adam', config: { num_layers: 2, hidden_size: 512, activation: 'ReLU', weight_init: 'Xavier', optimizer: 'adam', learning_rate: 1e-3, batch_size: 64, weight_decay: 0, epochs: 10 } },
];
