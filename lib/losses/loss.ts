// The loss contract: the mean loss over a batch, and its gradient with respect to the model's
// output written into dpred. Losses accumulate in float64 and take one-hot (or soft) targets.
//
// B batch size, C classes. pred, target and dpred are (B, C) row-major.

export interface Loss {
  /** 'softmax_cross_entropy', 'categorical_crossentropy', 'mean_squared_error', ... */
  readonly name: string;
  /**
   * Returns the mean loss over the B rows. When dpred is given, writes dL/dpred (B,C) into it
   * (the gradient of the MEAN, so it already carries the 1/B).
   */
  compute(dpred: Float32Array | null, pred: Readonly<Float32Array>, target: Readonly<Float32Array>, B: number, C: number): number;
  /**
   * 'logits' when the loss applies softmax to pred itself (softmax cross-entropy): a model whose last
   * layer already ends in softmax is then refused at compile, since softmax would be applied twice.
   * Default 'any'.
   */
  readonly input?: 'logits' | 'any';
  /**
   * Optional pairing with a final softmax: for pred p = softmax(z) (B,C), returns the same mean loss
   * as compute and, when dz is given, writes dL/dz (B,C), the gradient with respect to the softmax's
   * INPUT. A model ending in softmax then back-propagates dz from the softmax's input (the layer's
   * backwardFromLogits) and skips the softmax backward: cheaper, and free of the 1/p rounding.
   */
  computeThroughSoftmax?(dz: Float32Array | null, p: Readonly<Float32Array>, target: Readonly<Float32Array>, B: number, C: number): number;
}

/** A loss value replaced by f(L), and the factor f'(L) every gradient is multiplied by. */
export interface TransformedLoss {
  value: number;
  scale: number;
}

/** Replaces the batch loss L by f(L) and scales the gradient by f'(L) (chain rule). AYLA is one. */
export type LossTransform = (loss: number) => TransformedLoss;
