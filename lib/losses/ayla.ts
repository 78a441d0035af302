// The AYLA loss transform (github.com/keslaki/AYLA): the batch loss L becomes sign(L)·|L|^n and every
// gradient is multiplied by d/dL [sign(L)|L|^n] = n·|L|^(n−1), with one exponent above |L| = 1 and
// another below.
//   rule 'n1-above' (as AYLA's README states it): n = N1 when |L| > 1, n = N2 when |L| < 1;
//   rule 'n1-below' (as AYLA's code, MNIST(AYLA_ADAM).py, does it): the other way round.
// At |L| = 1 exactly both branches give value ±1; we take n = 1 there (an unchanged step).

import type { LossTransform } from './loss';

export type AylaRule = 'n1-above' | 'n1-below';

/** The rules' names before they said what they do ('seed' = 'n1-above', 'author' = 'n1-below'), still accepted. */
export const AYLA_RULE_ALIASES: Readonly<Record<string, AylaRule>> = { seed: 'n1-above', author: 'n1-below' };

export interface AylaOptions {
  n1: number;
  n2: number;
  /** Default 'n1-above'; the old names 'seed' and 'author' are accepted too. */
  rule?: AylaRule | 'seed' | 'author';
}

/** The AYLA loss transform for exponents N1, N2. */
export function aylaTransform({ n1, n2, rule: given = 'n1-above' }: AylaOptions): LossTransform {
  for (const [k, v] of [['N1', n1], ['N2', n2]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`AYLA ${k} must be a positive number, got ${v}`);
  }
  const rule = AYLA_RULE_ALIASES[given] ?? given;
  if (rule !== 'n1-above' && rule !== 'n1-below') throw new Error(`unknown AYLA exponent rule '${given}': expected n1-above or n1-below`);
  const [above, below] = rule === 'n1-above' ? [n1, n2] : [n2, n1];
  return (loss: number) => {
    const a = Math.abs(loss);
    const n = a > 1 ? above : a < 1 ? below : 1;
    if (a === 0) return { value: 0, scale: n === 1 ? 1 : n > 1 ? 0 : Infinity };
    return { value: Math.sign(loss) * a ** n, scale: n * a ** (n - 1) };
  };
}
