// Q10: the three configurations the Fashion-MNIST search ranked best on its validation split
// (docs/search-defaults.json, stage 4: validation accuracy 0.9038, 0.9033 and 0.9000), recommended for MNIST
// as the assignment's solution recommends the top three of its own sweep.

import type { AssignmentConfig } from './assignment';

const common = { activation: 'ReLU', weight_init: 'Xavier', optimizer: 'adam', loss: 'cross_entropy', batch_size: 64 } as const;

export const RECOMMENDED_MNIST_CONFIGS: { label: string; config: Partial<AssignmentConfig> }[] = [
  { label: '3x512 lr 5e-4 wd 1e-4, 30 ep', config: { ...common, num_layers: 3, hidden_size: 512, learning_rate: 5e-4, weight_decay: 1e-4, epochs: 30 } },
  { label: '3x1024 lr 5e-4 wd 5e-5, 25 ep', config: { ...common, num_layers: 3, hidden_size: 1024, learning_rate: 5e-4, weight_decay: 5e-5, epochs: 25 } },
  { label: '4x512 lr 5e-4 wd 5e-5, 25 ep', config: { ...common, num_layers: 4, hidden_size: 512, learning_rate: 5e-4, weight_decay: 5e-5, epochs: 25 } },
];
