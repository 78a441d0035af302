// A toy batch shared by the engine tests: x (B, inp) standard normal, y (B, C) one-hot of random classes.

import { Rng, Tensor } from '../../lib';

export function toyBatch(B: number, inp: number, C: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = new Tensor(Float32Array.from({ length: B * inp }, () => rng.normal()), [B, inp]);
  const y = new Float32Array(B * C);
  for (let b = 0; b < B; b++) y[b * C + rng.int(C)] = 1;
  return { x, y: new Tensor(y, [B, C]) };
}
