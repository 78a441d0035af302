// Which parameters matter, as wandb's parameter-importance panel shows it: each parameter's
// correlation with the metric (categorical ones per value, as 0/1 indicators) and its importance
// in a random forest fitted to predict the metric (Breiman 2001: the total decrease in squared
// error of the splits on that parameter, over all trees, normalized to sum to 1).

import { Rng } from '../../rng';

/** Pearson's r of x and y (0 when either is constant). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
  /** Features tried at each split (default: all). */
  featuresPerSplit?: number;
}

/**
 * Impurity importance of each column of X (rows of features) for predicting y, from a random forest
 * of regression trees (bootstrap rows; at each split every feature is tried, or a random
 * featuresPerSplit of them, at every threshold between distinct values). Returns one number per feature, summing to 1 (all 0
 * when no split helps).
 */
export function forestImportance(X: readonly number[][], y: readonly number[], opts: ForestOptions = {}): number[] {
  const p = X[0]?.length ?? 0;
  const imp = new Array<number>(p).fill(0);
  const n = X.length;
  if (n < 4 || p === 0) return imp;
  const rng = new Rng(opts.seed ?? 1);
  const maxDepth = opts.maxDepth ?? 8;
  const minLeaf = opts.minLeaf ?? 2;
  // Every feature is tried at every split (scikit-learn's default for regression forests): with only a
  // few of them tried, a split is often forced onto a feature that does not matter and earns it importance.
  const mtry = opts.featuresPerSplit ?? p;
  for (let t = 0; t < (opts.trees ?? 100); t++) {
    const rows = Array.from({ length: n }, () => rng.int(n));
    grow(rows, 0);
  }
  const total = imp.reduce((a, b) => a + b, 0);
  return total > 0 ? imp.map((v) => v / total) : imp;

  function grow(rows: number[], depth: number): void {
    if (depth >= maxDepth || rows.length < 2 * minLeaf) return;
    const features = shuffle(Array.from({ length: p }, (_, j) => j)).slice(0, mtry);
    const parentSse = sse(rows);
    let best = { gain: 1e-12, feature: -1, threshold: 0 };
    for (const j of features) {
      const sorted = [...rows].sort((a, b) => X[a][j] - X[b][j]);
      // Running sums give every split's squared error in one pass.
      let ls = 0, lq = 0;
      let rs = 0, rq = 0;
      for (const r of sorted) { rs += y[r]; rq += y[r] * y[r]; }
      for (let i = 0; i < sorted.length - 1; i++) {
        const v = y[sorted[i]];
        ls += v; lq += v * v; rs -= v; rq -= v * v;
        const nl = i + 1, nr = sorted.length - nl;
        if (X[sorted[i]][j] === X[sorted[i + 1]][j] || nl < minLeaf || nr < minLeaf) continue;
        const gain = parentSse - (lq - (ls * ls) / nl) - (rq - (rs * rs) / nr);
        if (gain > best.gain) best = { gain, feature: j, threshold: (X[sorted[i]][j] + X[sorted[i + 1]][j]) / 2 };
      }
    }
    if (best.feature < 0) return;
    imp[best.feature] += best.gain;
    grow(rows.filter((r) => X[r][best.feature] <= best.threshold), depth + 1);
    grow(rows.filter((r) => X[r][best.feature] > best.threshold), depth + 1);
  }

  function sse(rows: number[]): number {
    let s = 0, q = 0;
    for (const r of rows) { s += y[r]; q += y[r] * y[r]; }
    return q - (s * s) / rows.length;
  }

  function shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}
