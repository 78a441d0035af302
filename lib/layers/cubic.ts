// Cubic: the cubic custom layer, y = (x³)·V − x·W + b, and the worked example of docs/library.md's
// "Write your own layer": parameters declared in doBuild, forward and backward side by side,
// scratch buffers from this.buffer, and one registerLayer call so saved models load again.
//
// B batch size, C input features, OC output units.
// x (B, C); V and W (C, OC), row-major; b (OC); y (B, OC).

import type { Initializer, InitializerName } from '../init/initializers';
import { Tensor } from '../tensor';
import { Layer, type ForwardContext, type Param } from './layer';
import { registerLayer } from './registry';

export interface CubicOptions {
  /** Output units OC (positive integer). */
  units: number;
  /** For V, W and b alike. Default 'random_normal', N(0, 0.05²), as the original Keras layer's add_weight. */
  initializer?: InitializerName | Initializer;
  name?: string;
}

export class Cubic extends Layer {
  readonly units: number;
  private readonly init: InitializerName | Initializer;
  /** V (C, OC): multiplies x³. */
  v!: Param;
  /** W (C, OC): multiplies x, subtracted. */
  w!: Param;
  /** b (OC). */
  b!: Param;
  private x: Tensor | null = null;
  private x3: Tensor | null = null;

  constructor(opts: CubicOptions) {
    super(opts.name);
    if (!Number.isInteger(opts.units) || opts.units < 1) throw new Error(`Cubic units must be a positive integer, got ${opts.units}`);
    this.units = opts.units;
    this.init = opts.initializer ?? 'random_normal';
  }

  protected doBuild(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== 1) throw new Error(`layer ${this.name}: Cubic expects (batch, features) input, got per-sample shape [${inputShape.join(', ')}]; add a Flatten layer first`);
    const C = inputShape[0];
    this.v = this.addWeight('v', [C, this.units], { initializer: this.init });
    this.w = this.addWeight('w', [C, this.units], { initializer: this.init });
    // Keras regularises kernels only: b gets no weight decay.
    this.b = this.addWeight('b', [this.units], { initializer: this.init, decay: 0 });
    return [this.units];
  }

  // y = x³·V − x·W + b, as: y = x·W; y = −y; y += x³·V; y += b.
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    this.checkInput(x);
    const B = x.rows;
    const C = this.inputShape[0];
    const OC = this.units;
    const x3 = this.buffer('x3', B, this.inputShape);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      x3.data[i] = v * v * v;
    }
    const y = this.buffer('y', B, this.outputShape);
    this.backend.gemm(y.data, x.data, this.w.value, B, C, OC);
    for (let i = 0; i < y.size; i++) y.data[i] = -y.data[i];
    this.backend.gemm(y.data, x3.data, this.v.value, B, C, OC, true);
    this.backend.addBias(y.data, y.data, this.b.value, B, OC);
    this.x = x;
    this.x3 = x3;
    return y;
  }

  // From y_bo = Σ_c x_bc³ V_co − Σ_c x_bc W_co + b_o, with dy = ∂L/∂y:
  //   ∂y_bo/∂V_co = x_bc³           ⇒  dV += (x³)ᵀ·dy
  //   ∂y_bo/∂W_co = −x_bc           ⇒  dW −= xᵀ·dy     (computed as += xᵀ·(−dy))
  //   ∂y_bo/∂b_o  = 1               ⇒  db += Σ_b dy
  //   ∂y_bo/∂x_bc = 3x_bc² V_co − W_co  ⇒  dx = 3x² ⊙ (dy·Vᵀ) − dy·Wᵀ
  backward(dy: Tensor): Tensor {
    if (!this.x || !this.x3) throw new Error(`layer ${this.name}: backward called before forward`);
    const x = this.x.data;
    const B = dy.rows;
    const C = this.inputShape[0];
    const OC = this.units;
    const negDy = this.buffer('negDy', B, this.outputShape);
    for (let i = 0; i < dy.size; i++) negDy.data[i] = -dy.data[i];
    this.backend.gemmTN(this.v.grad, this.x3.data, dy.data, C, B, OC, true);
    this.backend.gemmTN(this.w.grad, x, negDy.data, C, B, OC, true);
    this.backend.colSum(this.b.grad, dy.data, B, OC, true);
    const dx = this.buffer('dx', B, this.inputShape);
    if (this.needsInputGrad) {
      this.backend.gemmNT(dx.data, dy.data, this.v.value, B, OC, C);
      for (let i = 0; i < dx.size; i++) dx.data[i] *= 3 * x[i] * x[i];
      this.backend.gemmNT(dx.data, negDy.data, this.w.value, B, OC, C, true);
    }
    return dx;
  }

  getConfig(): Record<string, unknown> {
    // A user's initializer function cannot be saved; loading restores the weights anyway.
    return { units: this.units, ...(typeof this.init === 'string' ? { initializer: this.init } : {}) };
  }
}

// Saved models record this name, and loadModel rebuilds the layer from its config with the factory.
registerLayer('Cubic', Cubic, (c) => new Cubic(c as unknown as CubicOptions));
