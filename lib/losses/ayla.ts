// AYLA (seed 000): the batch loss L becomes sign(L)·|L|^n and every gradient is multiplied by
// d/dL [sign(L)|L|^n] = n·|L|^(n−1), with one exponent above |L| = 1 and another below.
//   rule 'seed'   (the seed's README): n = N1 when |L| > 1, n = N2 when |L| < 1;
//   rule 'author' (the AYLA author's MNIST(AYLA_ADAM).py): the other way round.
// At |L| = 1 exactly both branches give value ±1; we take n = 1 there (an unchanged step).

import type { LossTransform } from './loss';

export type AylaRule = 'seed' | 'author';

export interface AylaOptions {
  n1: number;
  n2: number;
  rule?: AylaRule;
}

/** The AYLA loss transform for exponents N1, N2. */
export function aylaTransform({ n1, n2, rule = 'seed' }: AylaOptions): LossTransform {
  for (const [k, v] of [['N1', n1], ['N2', n2]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`AYLA ${k} must be a positive number, got ${v}`);
  }
  if (rule !== 'seed' && rule !== 'author') throw new Error(`unknown AYLA exponent rule '${rule}': expected seed or author`);
  const [above, below] = rule === 'seed' ? [n1, n2] : [n2, n1];
  return (loss: number) => {
    const a = Math.abs(loss);
    const n = a > 1 ? above : a < 1 ? below : 1;
    if (a === 0) return { value: 0, scale: n === 1 ? 1 : n > 1 ? 0 : Infinity };
    return { value: Math.sign(loss) * a ** n, scale: n * a ** (n - 1) };
  };
}
