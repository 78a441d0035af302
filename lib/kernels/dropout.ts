// Dropout kernels (inverted dropout). The plain loops: the oracle the wasm kernels
// (assembly/image.ts) are tested against, and the fallback for buffers outside wasm memory.
//
// x, y, mask, dy, dx (n).

import type { Rng } from '../rng';

/**
 * mask[i] = 0 when rng.uniform() < rate (n draws, in order), else keep = 1/(1 − rate); y = x ⊙ mask.
 * Returns y.
 */
export function dropoutForward(y: Float32Array, mask: Float32Array, x: Readonly<Float32Array>, rng: Rng, rate: number, n: number): Float32Array {
  const keep = 1 / (1 - rate);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < rate ? 0 : keep;
  for (let i = 0; i < n; i++) y[i] = x[i] * mask[i];
  return y;
}

/** From y = x ⊙ mask: dx = dy ⊙ mask. Returns dx. */
export function dropoutBackward(dx: Float32Array, dy: Readonly<Float32Array>, mask: Readonly<Float32Array>, n: number): Float32Array {
  for (let i = 0; i < n; i++) dx[i] = dy[i] * mask[i];
  return dx;
}
