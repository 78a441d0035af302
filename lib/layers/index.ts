// Every built-in layer, registered for model loading.

import { Identity, ReLU, Sigmoid, Tanh } from './activations';
import { Dense, type DenseOptions } from './dense';
import { Flatten } from './flatten';
import { registerLayer } from './registry';
import { Softmax } from './softmax';

export { Layer, bindParams, type ForwardContext, type Param, type WeightOptions, type LayerConfig } from './layer';
export { Identity, ReLU, Sigmoid, Tanh, activationNames, type ActivationName } from './activations';
export { Dense, type DenseOptions } from './dense';
export { Flatten } from './flatten';
export { Softmax } from './softmax';
export { Cubic, type CubicOptions } from './cubic';
export { createActivation, parseActivation, registerLayer, layerFromConfig } from './registry';

const nameOf = (c: Record<string, unknown>) => (typeof c.name === 'string' ? c.name : undefined);
registerLayer('Dense', (c) => new Dense({ ...(c as unknown as DenseOptions), name: nameOf(c) }));
registerLayer('Identity', (c) => new Identity(nameOf(c)));
registerLayer('Sigmoid', (c) => new Sigmoid(nameOf(c)));
registerLayer('Tanh', (c) => new Tanh(nameOf(c)));
registerLayer('ReLU', (c) => new ReLU(nameOf(c)));
registerLayer('Softmax', (c) => new Softmax(nameOf(c)));
registerLayer('Flatten', (c) => new Flatten(nameOf(c)));
