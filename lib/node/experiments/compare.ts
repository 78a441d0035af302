// Several configurations on the same data, side by side: what the optimizer (Q3), loss (Q8) and
// MNIST (Q10) comparisons share. Each entry trains from its own seed-fixed start; the results
// carry the per-epoch history for plotting and the test figures for the table.

import type { Callbacks } from '../../model/history';
import { lineChart, type LineSeries, type Spec } from '../plot';
import { trainAssignment, type AssignmentConfig, type AssignmentData } from './assignment';
import { formatTable } from '../../util/format';

export interface ComparisonEntry {
  label: string;
  config: AssignmentConfig;
}

export interface ComparisonResult {
  label: string;
  config: AssignmentConfig;
  history: { loss: number[]; accuracy: number[]; val_loss: number[]; val_accuracy: number[]; grad_norm: number[]; seconds: number[] };
  test_loss: number;
  test_accuracy: number;
  train_seconds: number;
}

/** Trains every entry on the same data; callbacksFor gives each entry its callbacks. */
export function runComparison(entries: ComparisonEntry[], data: AssignmentData, callbacksFor: (e: ComparisonEntry) => Callbacks[] = () => []): ComparisonResult[] {
  return entries.map((e) => {
    const r = trainAssignment(e.config, data, callbacksFor(e));
    r.model.dispose(); // only the numbers are kept: give the wasm memory back before the next model
    return { label: e.label, config: e.config, history: r.history.history, test_loss: r.test.loss, test_accuracy: r.test.accuracy, train_seconds: r.trainSeconds };
  });
}

/**
 * Curves of every result in panels: training loss, validation loss, validation accuracy. logLoss puts the
 * loss panels on log scales: losses of different kinds (cross-entropy ~0.3, squared error ~0.02) then show
 * their relative progress side by side instead of one flattened against the axis.
 */
export function comparisonFigure(results: ComparisonResult[], title: string, colors?: Record<string, string>, logLoss = false): Spec {
  const series: LineSeries[] = [];
  for (const r of results) {
    const x = r.history.loss.map((_, i) => i + 1);
    const color = colors?.[r.label];
    series.push({ name: r.label, x, y: r.history.loss, panel: 'training loss', color });
    series.push({ name: r.label, x, y: r.history.val_loss, panel: 'validation loss', color });
    series.push({ name: r.label, x, y: r.history.val_accuracy, panel: 'validation accuracy', color });
  }
  const lossLabel = logLoss ? 'loss (log scale)' : 'loss';
  return lineChart({
    title, series, xLabel: 'epoch',
    yLabel: { 'training loss': lossLabel, 'validation loss': lossLabel, 'validation accuracy': 'accuracy' },
    logY: { 'training loss': logLoss, 'validation loss': logLoss },
  });
}

/** A fixed-width text table: one row per result. */
export function comparisonTable(results: ComparisonResult[], firstColumn: string): string {
  const head = [firstColumn, 'final loss', 'val_acc', 'test_acc', 'seconds'];
  const rows = results.map((r) => [
    r.label,
    r.history.loss[r.history.loss.length - 1].toFixed(4),
    r.history.val_accuracy[r.history.val_accuracy.length - 1].toFixed(4),
    r.test_accuracy.toFixed(4),
    r.train_seconds.toFixed(1),
  ]);
  return formatTable(head, rows, { align: head.map((_, i) => (i === 0 ? 'left' : 'right')) });
}
