// The layers: every layer file registers its own class (registerLayer at its bottom), the same way a
// user's layer does.

export { Layer, bindParams, bindState, fillDecay, WEIGHT_DECAY_ON, type WeightDecayOn, type ForwardContext, type Param, type State, type WeightOptions, type LayerConfig } from './layer';
export { Identity, ReLU, Sigmoid, Tanh, activationNames, createActivation, parseActivation, type ActivationName } from './activations';
export { Dense, type DenseOptions } from './dense';
export { Flatten } from './flatten';
export { Permute, type PermuteOptions } from './permute';
export { Softmax } from './softmax';
export { Cubic, type CubicOptions } from './cubic';
export { Conv2D, type Conv2DOptions } from './conv2d';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Pooling2DOptions } from './pooling';
export { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization';
export { Dropout, type DropoutOptions } from './dropout';
export { registerLayer, registeredLayers, layerFromConfig, type LayerClass, type LayerFactory } from './registry';
