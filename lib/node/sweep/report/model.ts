// What a report shows, gathered once: the runs (a sweep's trials, or every run record of a
// project), which parameters vary, the best run and its train line, and parameter importance.
// The HTML page and the SVG/PNG files are both drawn from this one object.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trainLine, trialConfig } from '../sweep';
import type { SweepConfig } from '../../../sweep/schema';
import type { SweepState } from '../../../sweep/state';
import type { ParamValue } from '../../../sweep/types';
import { forestImportance, pearson } from '../../../sweep/report/importance';

export interface ReportParam {
  name: string;
  /** numeric: a continuous axis (log-scaled when `log`); categorical: the listed values, evenly spaced. */
  type: 'numeric' | 'categorical';
  log: boolean;
  values?: ParamValue[];
}

export interface ReportRow {
  id: string;
  run?: string;
  state: string;
  /** When the run was created (ms since 1970). */
  created: number;
  value: number | null;
  test_accuracy: number | null;
  epochs: number;
  params: Record<string, ParamValue>;
}

export interface ReportModel {
  title: string;
  source: string;
  generated: string;
  metric: { name: string; goal: 'minimize' | 'maximize' };
  params: ReportParam[];
  rows: ReportRow[];
  best: { id: string; value: number; test_accuracy: number | null; config: Record<string, ParamValue>; trainLine: string } | null;
  /** Per parameter: forest importance (sums to 1) and, for numeric ones, Pearson's r with the metric. */
  importance: { param: string; importance: number; correlation: number | null }[];
  /** Pearson's r with the metric per column: numeric parameters, and each value of a categorical one. */
  correlations: { column: string; r: number }[];
}

/** The report of one sweep. */
export function sweepReport(state: SweepState): ReportModel {
  const cfg = state.config;
  const varying = Object.entries(cfg.parameters).filter(([, s]) => s.kind !== 'constant');
  const params: ReportParam[] = varying.map(([name, s]) => paramOf(name, s));
  const rows: ReportRow[] = state.trials.map((t) => ({
    id: t.id,
    run: t.result?.runDir?.split(/[\\/]/).pop(),
    state: t.state,
    created: Date.parse(t.created),
    value: t.value ?? null,
    test_accuracy: t.result?.test_accuracy ?? null,
    epochs: t.history.length,
    params: Object.fromEntries(varying.map(([n]) => [n, t.params[n]])),
  }));
  const model = assemble(`sweep ${state.id}${cfg.name ? ` (${cfg.name})` : ''}`, `sweep ${state.id}, ${cfg.method}, ${state.trials.length} trials`, cfg.metric, params, rows);
  const bestTrial = state.trials.find((t) => t.id === model.best?.id);
  if (model.best && bestTrial) {
    const full = trialConfig(bestTrial.params, state.base);
    model.best.config = full as unknown as Record<string, ParamValue>;
    model.best.trainLine = trainLine(full, state.data);
  }
  return model;
}

function paramOf(name: string, s: SweepConfig['parameters'][string]): ReportParam {
  if (s.kind === 'categorical') {
    const numeric = s.values.every((v) => typeof v === 'number');
    return { name, type: 'categorical', log: false, values: numeric ? [...s.values].sort((a, b) => (a as number) - (b as number)) : s.values };
  }
  return { name, type: 'numeric', log: s.kind !== 'constant' && s.log };
}

/** The report of every run recorded under runs/<project>/ (train runs and sweep trials alike). */
export function projectReport(runsRoot: string, project: string): ReportModel {
  const dir = join(runsRoot, project);
  if (!existsSync(dir)) throw new Error(`no runs under ${dir}`);
  const skip = new Set(['run', 'sweep', 'trial', 'attempt', 'wandb_entity', 'wandb_project']);
  const recs: { name: string; config: Record<string, unknown>; status: string; created: number; history: Record<string, number>[]; test: number | null }[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue; // a run folder being created
    const cfgFile = join(dir, name, 'config.json');
    if (!existsSync(cfgFile)) continue;
    const read = (f: string) => (existsSync(join(dir, name, f)) ? readFileSync(join(dir, name, f), 'utf8') : '');
    try {
      const config = JSON.parse(read('config.json'));
      const status = read('status.json') ? JSON.parse(read('status.json')).state : read('summary.json') ? 'finished' : 'unknown';
      const history = read('metrics.jsonl').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      const summary = read('summary.json') ? JSON.parse(read('summary.json')) : {};
      recs.push({ name, config, status, created: statSync(cfgFile).mtimeMs, history, test: summary.test_accuracy ?? null });
    } catch {
      // a folder being written right now: skip it
    }
  }
  if (recs.length === 0) throw new Error(`no run records (config.json) under ${dir}`);
  const keys = [...new Set(recs.flatMap((r) => Object.keys(r.config)))].filter((k) => !skip.has(k));
  const varying = keys.filter((k) => new Set(recs.map((r) => JSON.stringify(r.config[k]))).size > 1);
  const params: ReportParam[] = varying.map((name) => {
    const vals = [...new Set(recs.map((r) => r.config[name]).filter((v) => v !== undefined))] as ParamValue[];
    const numeric = vals.every((v) => typeof v === 'number');
    if (numeric && vals.length > 8) {
      const nums = vals as number[];
      const lo = Math.min(...nums), hi = Math.max(...nums);
      return { name, type: 'numeric', log: lo > 0 && hi / lo >= 100 };
    }
    return { name, type: 'categorical', log: false, values: numeric ? (vals as number[]).sort((a, b) => a - b) : vals };
  });
  const metricName = recs.some((r) => r.history.some((h) => h.val_accuracy !== undefined)) ? 'val_accuracy' : 'accuracy';
  const rows: ReportRow[] = recs.map((r) => {
    const last = r.history[r.history.length - 1];
    return {
      id: r.name, run: r.name, state: r.status, created: r.created, value: last?.[metricName] ?? null, test_accuracy: r.test,
      epochs: r.history.length, params: Object.fromEntries(varying.map((k) => [k, r.config[k] as ParamValue])),
    };
  });
  const model = assemble(`project ${project}`, `${recs.length} runs under ${dir}`, { name: metricName, goal: 'maximize' }, params, rows);
  const best = recs.find((r) => r.name === model.best?.id);
  if (model.best && best) {
    const cfg = Object.fromEntries(Object.entries(best.config).filter(([k]) => !['run', 'sweep', 'trial', 'attempt'].includes(k)));
    model.best.config = cfg as Record<string, ParamValue>;
    model.best.trainLine = trainLine(cfg as never);
  }
  return model;
}

function assemble(title: string, source: string, metric: ReportModel['metric'], params: ReportParam[], rows: ReportRow[]): ReportModel {
  const sign = metric.goal === 'maximize' ? 1 : -1;
  const scored = rows.filter((r) => r.value !== null && (r.state === 'finished' || r.state === 'stopped-early'));
  const bestRow = scored.reduce<ReportRow | null>((b, r) => (b === null || sign * r.value! > sign * b.value! ? r : b), null);
  const y = scored.map((r) => r.value!);
  const correlations: ReportModel['correlations'] = [];
  const features: number[][] = scored.map(() => []);
  const importance: ReportModel['importance'] = [];
  for (const p of params) {
    const vals = scored.map((r) => r.params[p.name]);
    const numeric = vals.every((v) => typeof v === 'number');
    let corr: number | null = null;
    if (numeric) {
      const nums = vals as number[];
      const logged = nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= 100;
      const x = logged ? nums.map(Math.log10) : nums;
      corr = pearson(x, y);
      correlations.push({ column: p.name, r: corr });
      x.forEach((v, i) => features[i].push(v));
    } else {
      const levels = [...new Set(vals.map(String))];
      for (const level of levels) correlations.push({ column: `${p.name}=${level}`, r: pearson(vals.map((v) => (String(v) === level ? 1 : 0)), y) });
      // The forest splits on an order: order the values by their mean metric, so one split can
      // separate good values from bad ones.
      const mean = new Map(levels.map((l) => {
        const ys = y.filter((_, i) => String(vals[i]) === l);
        return [l, ys.reduce((a, b) => a + b, 0) / ys.length];
      }));
      const order = [...levels].sort((a, b) => mean.get(a)! - mean.get(b)!);
      vals.forEach((v, i) => features[i].push(order.indexOf(String(v))));
    }
    importance.push({ param: p.name, importance: 0, correlation: corr });
  }
  const imp = forestImportance(features, y, { trees: 100, seed: 1 });
  importance.forEach((e, i) => { e.importance = imp[i] ?? 0; });
  importance.sort((a, b) => b.importance - a.importance);
  correlations.sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
  return {
    title, source, generated: new Date().toISOString(), metric, params, rows,
    best: bestRow && { id: bestRow.id, value: bestRow.value!, test_accuracy: bestRow.test_accuracy, config: bestRow.params, trainLine: '' },
    importance, correlations,
  };
}
