// Softmax over the last dimension: y_bj = e^(x_bj) / Σ_k e^(x_bk). Stable: the row max is
// subtracted first. (A loss that pairs with a final softmax, cross-entropy on probabilities, hands
// the model dL/dx directly, p·Σy − y, the same number computed with less rounding; backwardFromLogits
// then passes it through.)
//
// B batch size, C classes.

import { softmaxRows } from '../ops';
import { Tensor } from '../tensor';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';

export class Softmax extends Layer {
  private y: Tensor | null = null;

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1) throw new Error(`layer ${this.name}: Softmax expects (batch, classes) input, got per-sample shape [${inputShape.join(', ')}]`);
    return inputShape;
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const y = this.buffer('y', x.rows, this.outputShape);
    softmaxRows(y.data, x.data, x.rows, x.cols);
    this.y = y;
    return y;
  }

  // ∂y_j/∂x_i = y_j(δ_ij − y_i)  ⇒  dx_i = Σ_j dy_j y_j(δ_ij − y_i) = y_i (dy_i − Σ_j dy_j y_j)
  backward(dy: Tensor): Tensor {
    if (!this.y) throw new Error(`layer ${this.name}: backward called before forward`);
    const y = this.y.data;
    const dx = this.buffer('dx', dy.rows, this.inputShape);
    const B = dy.rows;
    const C = dy.cols;
    for (let b = 0; b < B; b++) {
      const row = b * C;
      let dot = 0;
      for (let j = 0; j < C; j++) dot += dy.data[row + j] * y[row + j];
      for (let i = 0; i < C; i++) dx.data[row + i] = y[row + i] * (dy.data[row + i] - dot);
    }
    return dx;
  }

  override get endsInSoftmax(): boolean {
    return true;
  }

  /** dz is already dL/dx (x is the softmax's input): nothing to undo. */
  override backwardFromLogits(dz: Tensor): Tensor {
    return dz;
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

registerLayer('Softmax', Softmax, (c) => new Softmax(typeof c.name === 'string' ? c.name : undefined));
