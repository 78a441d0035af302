// The reference backend's training-step kernels: optimizer updates, gradient zeroing and norm, ReLU,
// as plain loops written to be read. They are the oracle for the wasm SIMD versions (assembly/step.ts,
// tested against these on the same cases in test/backend/step.test.ts), and what the wasm backend runs
// on arrays outside its memory. Each optimizer in lib/optimizers/ makes one call to one of these.
//
// Every buffer holds n = params.length floats: params w, grads g, decay multipliers d (1 for kernels,
// 0 for biases) and the optimizer's slots. The gradient a rule sees is g + λ·d·w (coupled L2 decay).
// Every value stored is flushed to zero when subnormal (flushSubnormal; see lib/optimizers/optimizer.ts).

import { flushSubnormal as flush, sumSquares } from '../ops';
import type { StepKernels } from './backend';

export const referenceStepKernels: StepKernels = {
  /** m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − η·(sM·m + sG·g) / (√(v/c2) + ε). */
  adam(params, grads, decay, m, v, h) {
    const { lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, c2, mScale, gScale } = h;
    for (let i = 0; i < params.length; i++) {
      const w = params[i];
      const g = grads[i] + wd * decay[i] * w;
      const mi = flush(b1 * m[i] + (1 - b1) * g);
      const vi = flush(b2 * v[i] + (1 - b2) * g * g);
      m[i] = mi;
      v[i] = vi;
      params[i] = flush(w - (lr * (mScale * mi + gScale * g)) / (Math.sqrt(vi / c2) + eps));
    }
  },

  /** v ← β·v + (1−β)·g²;  w ← w − η·g / (√v + ε). */
  rmsprop(params, grads, decay, v, h) {
    const { lr, beta, epsilon: eps, weightDecay: wd } = h;
    for (let i = 0; i < params.length; i++) {
      const w = params[i];
      const g = grads[i] + wd * decay[i] * w;
      const vi = flush(beta * v[i] + (1 - beta) * g * g);
      v[i] = vi;
      params[i] = flush(w - (lr * g) / (Math.sqrt(vi) + eps));
    }
  },

  /** u ← γ·u + η·g;  w ← w + back·u_old − u (back = 0: momentum; NAG after its look-ahead: back = γ). No u: w ← w − η·g. */
  momentum(params, grads, decay, u, h) {
    const { lr, gamma, weightDecay: wd } = h;
    const back = h.back ?? 0;
    for (let i = 0; i < params.length; i++) {
      const w = params[i];
      const step = lr * (grads[i] + wd * decay[i] * w);
      if (u) {
        const uOld = u[i];
        const uNew = flush(gamma * uOld + step);
        u[i] = uNew;
        // (back = 0 skips the add, as the SIMD kernel does: −0 + 0 would turn a −0 weight into +0)
        params[i] = flush((back === 0 ? w : w + back * uOld) - uNew);
      } else params[i] = flush(w - step);
    }
  },

  axpy(y, x, a) {
    for (let i = 0; i < y.length; i++) y[i] = flush(y[i] + a * x[i]);
  },

  /** y = max(0, x), NaN kept (it marks a diverged run; the wasm kernel's f32x4.max keeps it too). */
  relu(y, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      y[i] = v > 0 || v !== v ? v : 0;
    }
  },

  /** dx = dy where y > 0, else 0. */
  reluBackward(dx, dy, y, n) {
    for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },

  zero(x) {
    x.fill(0);
  },

  sumSquares: (x) => sumSquares(x),
};
