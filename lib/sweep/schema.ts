// A sweep file in wandb's format (YAML or JSON), checked whole before anything runs: unknown keys,
// bad ranges and values `train` would refuse are errors that name the key. The result is a
// SweepConfig whose parameters are typed ParamSpecs the search methods sample from.
//
//   method: bayes                       # grid | random | bayes
//   metric: {name: val_accuracy, goal: maximize}
//   run_cap: 100
//   early_terminate: {type: hyperband, min_iter: 2, eta: 3}
//   parameters:
//     optimizer: {values: [sgd, adam]}                                    # categorical
//     learning_rate: {min: 1.0e-4, max: 1.0e-2, distribution: log_uniform_values}
//     epochs: {value: 5}                                                  # constant

import { parse as parseYaml } from 'yaml';
import type { ParamValue } from './types';

export const METHODS = ['grid', 'random', 'bayes'] as const;
export type Method = (typeof METHODS)[number];

/** The metrics a trial reports each epoch (the sweep may optimize any of them). */
export const METRICS = ['val_accuracy', 'val_loss', 'accuracy', 'loss'] as const;

/**
 * One parameter's search space. Numeric specs search in an internal coordinate u: u = x for linear
 * ones, u = ln x for log-scaled ones; `q` rounds x to a multiple of q, `int` to an integer.
 */
export type ParamSpec =
  | { kind: 'constant'; value: ParamValue }
  | { kind: 'categorical'; values: ParamValue[]; probabilities?: number[] }
  | { kind: 'numeric'; distribution: NumericDistribution; min: number; max: number; log: boolean; int: boolean; q?: number }
  | { kind: 'normal'; distribution: NormalDistribution; mu: number; sigma: number; log: boolean; q?: number };

export const NUMERIC_DISTRIBUTIONS = ['uniform', 'int_uniform', 'q_uniform', 'log_uniform', 'log_uniform_values', 'q_log_uniform', 'q_log_uniform_values'] as const;
export const NORMAL_DISTRIBUTIONS = ['normal', 'q_normal', 'log_normal', 'q_log_normal'] as const;
export const DISTRIBUTIONS = ['constant', 'categorical', 'categorical_w_probabilities', ...NUMERIC_DISTRIBUTIONS, ...NORMAL_DISTRIBUTIONS] as const;
type NumericDistribution = (typeof NUMERIC_DISTRIBUTIONS)[number];
type NormalDistribution = (typeof NORMAL_DISTRIBUTIONS)[number];

export interface Hyperband {
  type: 'hyperband';
  /** Epochs (1-based) at which a trial is compared with the others that reached them, ascending. */
  bands: number[];
  eta: number;
  /** strict: judge a trial by its value at the band; otherwise by its best value so far. */
  strict: boolean;
}

export interface SweepConfig {
  name?: string;
  /** Where the runs go: runs/<project>/ (wandb's project). */
  project?: string;
  description?: string;
  method: Method;
  metric: { name: (typeof METRICS)[number]; goal: 'minimize' | 'maximize'; target?: number };
  parameters: Record<string, ParamSpec>;
  run_cap?: number;
  early_terminate?: Hyperband;
}

/** A sweep file's error: what is wrong, naming the key (e.g. `parameters.learning_rate.min`). */
export class SweepConfigError extends Error {
  constructor(key: string, message: string) {
    super(`sweep config: ${key}: ${message}`);
    this.name = 'SweepConfigError';
  }
}

// program, command and entity name what wandb runs and where it logs; here trials are always `train`
// runs recorded locally, so they are accepted (a wandb sweep file works as it is) and ignored.
const TOP_KEYS = ['name', 'description', 'method', 'metric', 'parameters', 'run_cap', 'early_terminate', 'program', 'project', 'entity', 'command'];

/**
 * Checks one value for a `train` parameter and returns its canonical form ('xavier' -> 'Xavier');
 * throws with the reason when train would refuse it. Supplied by the caller (bin/ knows train's
 * flag parsers), so this file stays free of the CLI.
 */
export type ValueCheck = (name: string, value: ParamValue) => ParamValue;

/** Parses a sweep file's text: JSON when it looks like JSON, YAML otherwise. */
export function parseSweepText(text: string, source = 'sweep file'): unknown {
  try {
    return /^\s*\{/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SweepConfigError(source, `not valid ${/^\s*\{/.test(text) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new SweepConfigError(where ? `${where}.${k}` : k, `unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function num(obj: Record<string, unknown>, key: string, where: string, opts: { int?: boolean; positive?: boolean } = {}): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SweepConfigError(`${where}.${key}`, `must be a finite number, got ${JSON.stringify(v)}`);
  if (opts.int && !Number.isInteger(v)) throw new SweepConfigError(`${where}.${key}`, `must be an integer, got ${v}`);
  if (opts.positive && !(v > 0)) throw new SweepConfigError(`${where}.${key}`, `must be > 0, got ${v}`);
  return v;
}

/**
 * Validates a parsed sweep file. names: the parameters a trial may set (train's long flag names);
 * check: refuses values train would refuse. Every error names its key.
 */
export function validateSweepConfig(raw: unknown, names: readonly string[], check: ValueCheck): SweepConfig {
  if (!isObject(raw)) throw new SweepConfigError('sweep file', 'must be a mapping with method, metric and parameters');
  onlyKeys(raw, TOP_KEYS, '');
  const method = raw.method;
  if (!METHODS.includes(method as Method)) throw new SweepConfigError('method', `must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);

  const m = raw.metric;
  if (!isObject(m)) throw new SweepConfigError('metric', `must be a mapping {name, goal}, got ${JSON.stringify(m)}`);
  onlyKeys(m, ['name', 'goal', 'target'], 'metric');
  if (!METRICS.includes(m.name as (typeof METRICS)[number])) throw new SweepConfigError('metric.name', `must be one of ${METRICS.join(', ')}, got ${JSON.stringify(m.name)}`);
  const goal = m.goal ?? 'minimize'; // wandb's default
  if (goal !== 'minimize' && goal !== 'maximize') throw new SweepConfigError('metric.goal', `must be minimize or maximize, got ${JSON.stringify(goal)}`);
  const metric: SweepConfig['metric'] = { name: m.name as (typeof METRICS)[number], goal };
  if (m.target !== undefined) metric.target = num(m, 'target', 'metric');

  if (!isObject(raw.parameters) || Object.keys(raw.parameters).length === 0) throw new SweepConfigError('parameters', 'must be a non-empty mapping of parameter names to specs');
  const parameters: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(raw.parameters)) {
    const where = `parameters.${name}`;
    if (!names.includes(name)) throw new SweepConfigError(where, `unknown parameter (expected one of train's flags: ${names.join(', ')})`);
    parameters[name] = parseParam(spec, where, (v) => {
      try {
        return check(name, v);
      } catch (err) {
        throw new SweepConfigError(where, (err as Error).message);
      }
    });
  }

  const cfg: SweepConfig = { method: method as Method, metric, parameters };
  if (typeof raw.name === 'string') cfg.name = raw.name;
  if (typeof raw.description === 'string') cfg.description = raw.description;
  if (raw.project !== undefined) {
    if (typeof raw.project !== 'string' || !/^[\w.-]+$/.test(raw.project)) throw new SweepConfigError('project', `must be a name of letters, digits, '.', '_' and '-' (it names a folder), got ${JSON.stringify(raw.project)}`);
    cfg.project = raw.project;
  }
  if (raw.run_cap !== undefined) cfg.run_cap = num(raw, 'run_cap', '', { int: true, positive: true });
  if (raw.early_terminate !== undefined) cfg.early_terminate = parseHyperband(raw.early_terminate);
  if (method === 'grid') {
    for (const [name, p] of Object.entries(parameters)) {
      if (p.kind === 'normal' || (p.kind === 'numeric' && !p.int && p.q === undefined)) {
        throw new SweepConfigError(`parameters.${name}`, 'grid search needs values (or an int_uniform / q_ range); a continuous distribution has no grid');
      }
    }
  }
  return cfg;
}

function parseParam(spec: unknown, where: string, check: (v: ParamValue) => ParamValue): ParamSpec {
  if (!isObject(spec)) throw new SweepConfigError(where, `must be a mapping with values, value, or min/max, got ${JSON.stringify(spec)}`);
  onlyKeys(spec, ['values', 'value', 'min', 'max', 'distribution', 'q', 'mu', 'sigma', 'probabilities'], where);
  const dist = spec.distribution ?? inferDistribution(spec, where);
  if (!DISTRIBUTIONS.includes(dist as (typeof DISTRIBUTIONS)[number])) throw new SweepConfigError(`${where}.distribution`, `unknown distribution ${JSON.stringify(dist)} (expected one of ${DISTRIBUTIONS.join(', ')})`);
  const allowed: Record<string, string[]> = {
    constant: ['value'], categorical: ['values'], categorical_w_probabilities: ['values', 'probabilities'],
    normal: ['mu', 'sigma'], log_normal: ['mu', 'sigma'], q_normal: ['mu', 'sigma', 'q'], q_log_normal: ['mu', 'sigma', 'q'],
  };
  const keys = [...(allowed[dist as string] ?? ['min', 'max', ...(String(dist).startsWith('q_') ? ['q'] : [])]), 'distribution'];
  onlyKeys(spec, keys, where);

  if (dist === 'constant') {
    if (!isParamValue(spec.value)) throw new SweepConfigError(`${where}.value`, `must be a number, string or boolean, got ${JSON.stringify(spec.value)}`);
    return { kind: 'constant', value: check(spec.value) };
  }
  if (dist === 'categorical' || dist === 'categorical_w_probabilities') {
    const values = spec.values;
    if (!Array.isArray(values) || values.length === 0) throw new SweepConfigError(`${where}.values`, `must be a non-empty list, got ${JSON.stringify(values)}`);
    const canonical = values.map((v, i) => {
      if (!isParamValue(v)) throw new SweepConfigError(`${where}.values[${i}]`, `must be a number, string or boolean, got ${JSON.stringify(v)}`);
      return check(v);
    });
    const dup = canonical.find((v, i) => canonical.indexOf(v) !== i);
    if (dup !== undefined) throw new SweepConfigError(`${where}.values`, `lists ${JSON.stringify(dup)} twice`);
    const out: ParamSpec = { kind: 'categorical', values: canonical };
    if (dist === 'categorical_w_probabilities') {
      const p = spec.probabilities;
      if (!Array.isArray(p) || p.length !== values.length || p.some((x) => typeof x !== 'number' || !(x >= 0)) || Math.abs(p.reduce((a: number, b: number) => a + b, 0) - 1) > 1e-6) {
        throw new SweepConfigError(`${where}.probabilities`, `must be ${values.length} numbers ≥ 0 summing to 1, got ${JSON.stringify(p)}`);
      }
      out.probabilities = p as number[];
    }
    return out;
  }
  const q = spec.q === undefined ? (String(dist).startsWith('q_') ? 1 : undefined) : num(spec, 'q', where, { positive: true });
  if ((NORMAL_DISTRIBUTIONS as readonly string[]).includes(dist as string)) {
    const mu = spec.mu === undefined ? 0 : num(spec, 'mu', where);
    const sigma = spec.sigma === undefined ? 1 : num(spec, 'sigma', where, { positive: true });
    return { kind: 'normal', distribution: dist as NormalDistribution, mu, sigma, log: String(dist).includes('log'), q };
  }
  const d = dist as NumericDistribution;
  const isInt = d === 'int_uniform';
  const min = num(spec, 'min', where, { int: isInt });
  const max = num(spec, 'max', where, { int: isInt });
  if (!(min < max)) throw new SweepConfigError(`${where}.min`, `must be < max, got min ${min}, max ${max}`);
  // log_uniform takes exponents (x = e^u, u in [min, max]); log_uniform_values takes the values.
  const valuesLog = d === 'log_uniform_values' || d === 'q_log_uniform_values';
  if (valuesLog && !(min > 0)) throw new SweepConfigError(`${where}.min`, `must be > 0 for ${d}, got ${min}`);
  const lo = d === 'log_uniform' || d === 'q_log_uniform' ? Math.exp(min) : min;
  const hi = d === 'log_uniform' || d === 'q_log_uniform' ? Math.exp(max) : max;
  check(lo);
  check(hi);
  return { kind: 'numeric', distribution: d, min: lo, max: hi, log: d.includes('log'), int: isInt, q };
}

/** wandb's inference: values → categorical, value → constant, int min/max → int_uniform, else uniform. */
function inferDistribution(spec: Record<string, unknown>, where: string): string {
  if ('values' in spec) return 'categorical';
  if ('value' in spec) return 'constant';
  if ('min' in spec && 'max' in spec) return Number.isInteger(spec.min) && Number.isInteger(spec.max) ? 'int_uniform' : 'uniform';
  throw new SweepConfigError(where, 'needs values, value, or min and max (with an optional distribution)');
}

function isParamValue(v: unknown): v is ParamValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * wandb's two ways to give hyperband's brackets: min_iter and eta (bands min_iter·eta^k), or
 * max_iter, s and eta (max_iter/eta^k for k = 1..s, truncated to integers, those ≥ 1).
 */
function parseHyperband(raw: unknown): Hyperband {
  const where = 'early_terminate';
  if (!isObject(raw)) throw new SweepConfigError(where, `must be a mapping {type: hyperband, min_iter, eta}, got ${JSON.stringify(raw)}`);
  onlyKeys(raw, ['type', 'min_iter', 'max_iter', 's', 'eta', 'strict'], where);
  if (raw.type !== 'hyperband') throw new SweepConfigError(`${where}.type`, `must be hyperband, got ${JSON.stringify(raw.type)}`);
  const eta = raw.eta === undefined ? 3 : num(raw, 'eta', where);
  if (!(eta > 1)) throw new SweepConfigError(`${where}.eta`, `must be > 1, got ${eta}`);
  const strict = raw.strict === undefined ? true : raw.strict;
  if (typeof strict !== 'boolean') throw new SweepConfigError(`${where}.strict`, `must be true or false, got ${JSON.stringify(strict)}`);
  const bands: number[] = [];
  if (raw.min_iter !== undefined) {
    const minIter = num(raw, 'min_iter', where, { int: true, positive: true });
    // wandb lists 100 bands; a trial has far fewer epochs, so stop once past 1e6.
    for (let band = minIter; bands.length < 100 && band <= 1e6; band *= eta) bands.push(Math.floor(band));
  } else if (raw.max_iter !== undefined) {
    const maxIter = num(raw, 'max_iter', where, { int: true, positive: true });
    if (raw.s === undefined) throw new SweepConfigError(`${where}.s`, 'is required with max_iter');
    const s = num(raw, 's', where, { int: true, positive: true });
    let band = maxIter;
    for (let i = 0; i < s; i++) {
      band /= eta;
      if (band < 1) break;
      bands.push(Math.floor(band));
    }
    bands.sort((a, b) => a - b);
    if (bands.length === 0) throw new SweepConfigError(where, `max_iter ${maxIter} with eta ${eta} gives no band ≥ 1; raise max_iter or lower eta`);
  } else {
    throw new SweepConfigError(where, 'needs min_iter (and eta), or max_iter and s');
  }
  return { type: 'hyperband', bands, eta, strict };
}
