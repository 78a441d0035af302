// Classification metrics over predicted and true labels: the confusion matrix and what it tells.
// C classes; a confusion matrix is (C, C) row-major, rows = true class, columns = predicted.

import { argmaxRow, argmaxRows } from './ops';
import type { Tensor } from './tensor';

/** Predicted class of each row of probabilities or logits (N, C), as Int32 (any number of classes). */
export function predictedLabels(out: Tensor): Int32Array {
  return argmaxRows(new Int32Array(out.rows), out.data, out.rows, out.cols);
}

/**
 * Rows b of pred (B, C) whose argmax equals the argmax of target (B, C) (one-hot or soft rows); ties
 * go to the first class. Allocates nothing (the training loop counts every batch with it).
 */
export function countCorrect(pred: Readonly<Float32Array>, target: Readonly<Float32Array>, B: number, C: number): number {
  let n = 0;
  for (let b = 0; b < B; b++) if (argmaxRow(pred, b * C, C) === argmaxRow(target, b * C, C)) n++;
  return n;
}

/** Fraction of rows of out (N, C) whose argmax is the label (N). */
export function accuracy(out: Tensor, labels: ArrayLike<number>): number {
  if (labels.length !== out.rows) throw new Error(`accuracy: ${out.rows} predictions but ${labels.length} labels`);
  let n = 0;
  for (let b = 0; b < out.rows; b++) if (argmaxRow(out.data, b * out.cols, out.cols) === labels[b]) n++;
  return n / out.rows;
}

/** counts (C, C): counts[t·C + p] = number of examples of true class t predicted as p. */
export function confusionMatrix(predicted: ArrayLike<number>, truth: ArrayLike<number>, C: number): Int32Array {
  if (predicted.length !== truth.length) throw new Error(`confusionMatrix: ${predicted.length} predictions but ${truth.length} labels`);
  const m = new Int32Array(C * C);
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] >= C || predicted[i] >= C) throw new Error(`confusionMatrix: label ${Math.max(truth[i], predicted[i])} at ${i} is not below ${C}`);
    m[truth[i] * C + predicted[i]]++;
  }
  return m;
}

export interface ClassReport {
  /** Of the examples predicted as this class, the fraction that are (NaN when none predicted). */
  precision: number;
  /** Of the examples of this class, the fraction found. */
  recall: number;
  f1: number;
  /** Examples of this class. */
  support: number;
}

/** Per-class precision, recall, F1 and support from a confusion matrix (C, C). */
export function classReport(m: Int32Array, C: number): ClassReport[] {
  const out: ClassReport[] = [];
  for (let c = 0; c < C; c++) {
    let row = 0;
    let col = 0;
    for (let k = 0; k < C; k++) {
      row += m[c * C + k];
      col += m[k * C + c];
    }
    const tp = m[c * C + c];
    const precision = col === 0 ? NaN : tp / col;
    const recall = row === 0 ? NaN : tp / row;
    out.push({ precision, recall, f1: (2 * precision * recall) / (precision + recall), support: row });
  }
  return out;
}

/** The k largest off-diagonal cells: which true class is most often taken for which. */
export function mostConfused(m: Int32Array, C: number, k: number): { truth: number; predicted: number; count: number }[] {
  const cells: { truth: number; predicted: number; count: number }[] = [];
  for (let t = 0; t < C; t++) for (let p = 0; p < C; p++) if (t !== p && m[t * C + p] > 0) cells.push({ truth: t, predicted: p, count: m[t * C + p] });
  return cells.sort((a, b) => b.count - a.count || a.truth - b.truth || a.predicted - b.predicted).slice(0, k);
}
