// Losses by name. Names follow the assignment's -l flag and Keras.

import { CategoricalCrossEntropy } from './categorical-cross-entropy';
import type { Loss } from './loss';
import { MeanSquaredError } from './mean-squared-error';
import { SoftmaxCrossEntropy } from './softmax-cross-entropy';

export type { Loss, LossTransform, TransformedLoss } from './loss';
export { SoftmaxCrossEntropy } from './softmax-cross-entropy';
export { CategoricalCrossEntropy, PROB_EPSILON } from './categorical-cross-entropy';
export { MeanSquaredError } from './mean-squared-error';
export { WeightedCrossEntropy } from './weighted-cross-entropy';
export { aylaTransform, AYLA_RULE_ALIASES, type AylaOptions, type AylaRule } from './ayla';
export {
  classWeights, triangleWave, classPerStepSchedule, classPerPeriodSchedule, seedSchedule, paperSchedule, createClassWeightSchedule,
  SCHEDULE_ALIASES, type ClassWeightScheduleKind, type ClassWeightSchedule, type ClassWeightScheduleOptions, type ClassWeightState,
} from './class-weight-schedule';

export const lossNames = ['softmax_cross_entropy', 'categorical_crossentropy', 'cross_entropy', 'mean_squared_error', 'mse'] as const;

/**
 * A loss by name. 'cross_entropy' (the assignment's word) and 'categorical_crossentropy' act on
 * probabilities (models ending in Softmax); 'softmax_cross_entropy' acts on logits.
 */
export function createLoss(name: string | Loss): Loss {
  if (typeof name !== 'string') return name;
  switch (name.toLowerCase()) {
    case 'softmax_cross_entropy':
      return new SoftmaxCrossEntropy();
    case 'categorical_crossentropy':
    case 'cross_entropy':
      return new CategoricalCrossEntropy();
    case 'mean_squared_error':
    case 'mse':
      return new MeanSquaredError();
    default:
      throw new Error(`unknown loss '${name}': expected one of ${lossNames.join(', ')}`);
  }
}
