// Flatten: (B, d1, d2, ...) → (B, d1·d2·...). Row-major data needs no copy, only a new shape.

import { shapeSize, Tensor } from '../tensor';
import { Layer, type ForwardContext } from './layer';
import { registerLayer } from './registry';

export class Flatten extends Layer {
  private yView: Tensor | null = null;
  private dxView: Tensor | null = null;

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    return [shapeSize(inputShape)];
  }

  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    // Cache the reshaped view so a steady loop allocates nothing.
    if (!this.yView || this.yView.data !== x.data) this.yView = new Tensor(x.data, [x.rows, ...this.outputShape]);
    return this.yView;
  }

  backward(dy: Tensor): Tensor {
    if (!this.dxView || this.dxView.data !== dy.data) this.dxView = new Tensor(dy.data, [dy.rows, ...this.inputShape]);
    return this.dxView;
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

registerLayer('Flatten', Flatten, (c) => new Flatten(typeof c.name === 'string' ? c.name : undefined));
