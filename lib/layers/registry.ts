// Layers by name: activations for Dense's `activation` option, and every layer class for
// loading saved models. A user's own layer class is one registerLayer call away.

import { Identity, ReLU, Sigmoid, Tanh, activationNames, type ActivationName } from './activations';
import type { Layer } from './layer';
import { Softmax } from './softmax';

/** A new activation layer for a name (case-insensitive; 'linear' = 'identity'). */
export function createActivation(name: string): Layer {
  switch (name.toLowerCase()) {
    case 'identity':
    case 'linear':
      return new Identity();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'softmax':
      return new Softmax();
    default:
      throw new Error(`unknown activation '${name}': expected one of ${activationNames.join(', ')}`);
  }
}

/** Normalises a user-typed activation name ('ReLU' → 'relu'); throws on an unknown one. */
export function parseActivation(name: string): ActivationName {
  const key = name.toLowerCase() === 'linear' ? 'identity' : name.toLowerCase();
  if (!(activationNames as readonly string[]).includes(key)) throw new Error(`unknown activation '${name}': expected one of ${activationNames.join(', ')}`);
  return key as ActivationName;
}

type LayerFactory = (config: Record<string, unknown>) => Layer;
const layerClasses = new Map<string, LayerFactory>();

/** Makes a layer class loadable from a saved model: its constructor must accept its getConfig(). */
export function registerLayer(className: string, factory: LayerFactory): void {
  layerClasses.set(className, factory);
}

/** Rebuilds a layer from { className, config }; throws on an unregistered class. */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  const factory = layerClasses.get(className);
  if (!factory) throw new Error(`unknown layer class '${className}' in saved model: expected one of ${[...layerClasses.keys()].join(', ')} (a custom layer must be registered with registerLayer before loading)`);
  return factory(config);
}
