// Every built-in layer, registered for model loading.

import { Identity, ReLU, Sigmoid, Tanh } from './activations';
import { Dense, type DenseOptions } from './dense';
import { Flatten } from './flatten';
import { Conv2D, type Conv2DOptions } from './conv2d';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D, type Pooling2DOptions } from './pooling';
import { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization';
import { Dropout, type DropoutOptions } from './dropout';
import { registerLayer } from './registry';
import { Softmax } from './softmax';

export { Layer, bindParams, bindState, type ForwardContext, type Param, type State, type WeightOptions, type LayerConfig } from './layer';
export { Identity, ReLU, Sigmoid, Tanh, activationNames, type ActivationName } from './activations';
export { Dense, type DenseOptions } from './dense';
export { Flatten } from './flatten';
export { Softmax } from './softmax';
export { Cubic, type CubicOptions } from './cubic';
export { Conv2D, type Conv2DOptions } from './conv2d';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Pooling2DOptions } from './pooling';
export { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization';
export { Dropout, type DropoutOptions } from './dropout';
export { createActivation, parseActivation, registerLayer, layerFromConfig } from './registry';

const nameOf = (c: Record<string, unknown>) => (typeof c.name === 'string' ? c.name : undefined);
registerLayer('Dense', (c) => new Dense({ ...(c as unknown as DenseOptions), name: nameOf(c) }));
registerLayer('Identity', (c) => new Identity(nameOf(c)));
registerLayer('Sigmoid', (c) => new Sigmoid(nameOf(c)));
registerLayer('Tanh', (c) => new Tanh(nameOf(c)));
registerLayer('ReLU', (c) => new ReLU(nameOf(c)));
registerLayer('Softmax', (c) => new Softmax(nameOf(c)));
registerLayer('Flatten', (c) => new Flatten(nameOf(c)));
registerLayer('Conv2D', (c) => new Conv2D({ ...(c as unknown as Conv2DOptions), name: nameOf(c) }));
registerLayer('MaxPooling2D', (c) => new MaxPooling2D({ ...(c as unknown as Pooling2DOptions), name: nameOf(c) }));
registerLayer('AveragePooling2D', (c) => new AveragePooling2D({ ...(c as unknown as Pooling2DOptions), name: nameOf(c) }));
registerLayer('GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(nameOf(c)));
registerLayer('BatchNormalization', (c) => new BatchNormalization({ ...(c as unknown as BatchNormalizationOptions), name: nameOf(c) }));
registerLayer('Dropout', (c) => new Dropout({ ...(c as unknown as DropoutOptions), name: nameOf(c) }));
