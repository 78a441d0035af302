// The sweep-file parser: every distribution wandb's schema has that we support, wandb's inference
// rules, hyperband's bands, and bad input refused with the key named.

import { parseSweepText, validateSweepConfig, SweepConfigError } from '../../lib/sweep/schema';
import { checkTrainValue, SWEEP_PARAMS } from '../../bin/commands/sweep';

const parse = (text: string) => validateSweepConfig(parseSweepText(text), SWEEP_PARAMS, checkTrainValue);
const base = 'method: random\nmetric: {name: val_accuracy, goal: maximize}\n';
const withParams = (p: string) => parse(`${base}parameters:\n${p}`);

describe('parameters', () => {
  test('every distribution, explicit or inferred', () => {
    const cfg = withParams(`
  epochs: {value: 3}
  optimizer: {values: [SGD, adam, nesterov]}
  activation: {values: [tanh, ReLU], probabilities: [0.25, 0.75], distribution: categorical_w_probabilities}
  num_layers: {min: 1, max: 4}
  momentum: {min: 0.5, max: 0.95}
  hidden_size: {min: 32, max: 256, q: 32, distribution: q_uniform}
  learning_rate: {min: 1.0e-4, max: 1.0e-1, distribution: log_uniform_values}
  weight_decay: {min: -9.2, max: -2.3, distribution: log_uniform}
  batch_size: {min: 16, max: 128, q: 16, distribution: q_log_uniform_values}
  beta: {mu: 0.9, sigma: 0.02, distribution: normal}
  epsilon: {mu: -18, sigma: 1, distribution: log_normal}
  beta2: {mu: 0.99, sigma: 0.001, q: 0.001, distribution: q_normal}
`);
    const p = cfg.parameters;
    expect(p.epochs).toEqual({ kind: 'constant', value: 3 });
    // Values are canonical train values: 'SGD' -> 'sgd', 'nesterov' -> 'nag'.
    expect(p.optimizer).toEqual({ kind: 'categorical', values: ['sgd', 'adam', 'nag'] });
    expect(p.activation).toEqual({ kind: 'categorical', values: ['tanh', 'ReLU'], probabilities: [0.25, 0.75] });
    expect(p.num_layers).toMatchObject({ kind: 'numeric', distribution: 'int_uniform', min: 1, max: 4, int: true, log: false });
    expect(p.momentum).toMatchObject({ kind: 'numeric', distribution: 'uniform', min: 0.5, max: 0.95, int: false });
    expect(p.hidden_size).toMatchObject({ distribution: 'q_uniform', q: 32 });
    expect(p.learning_rate).toMatchObject({ distribution: 'log_uniform_values', min: 1e-4, max: 0.1, log: true });
    // log_uniform takes exponents: e^-9.2 .. e^-2.3.
    expect(p.weight_decay).toMatchObject({ distribution: 'log_uniform', log: true });
    expect((p.weight_decay as { min: number }).min).toBeCloseTo(Math.exp(-9.2), 12);
    expect(p.batch_size).toMatchObject({ distribution: 'q_log_uniform_values', q: 16, log: true });
    expect(p.beta).toEqual({ kind: 'normal', distribution: 'normal', mu: 0.9, sigma: 0.02, log: false, q: undefined });
    expect(p.epsilon).toMatchObject({ kind: 'normal', log: true });
    expect(p.beta2).toMatchObject({ kind: 'normal', q: 0.001 });
  });

  test('JSON works as well as YAML', () => {
    const cfg = parse(JSON.stringify({ method: 'grid', metric: { name: 'val_loss' }, parameters: { epochs: { values: [1, 2] } } }));
    expect(cfg.method).toBe('grid');
    expect(cfg.metric).toEqual({ name: 'val_loss', goal: 'minimize' }); // wandb's default goal
  });
});

describe('bad input names the key', () => {
  const bad: [string, string, RegExp][] = [
    ['unknown top-level key', `${base}paramters: {}\n`, /paramters: unknown key/],
    ['unknown method', 'method: hill_climb\nmetric: {name: loss}\nparameters: {epochs: {value: 1}}', /method: must be one of grid, random, bayes/],
    ['unknown metric', 'method: grid\nmetric: {name: f1}\nparameters: {epochs: {value: 1}}', /metric\.name: must be one of/],
    ['bad goal', 'method: grid\nmetric: {name: loss, goal: up}\nparameters: {epochs: {value: 1}}', /metric\.goal/],
    ['unknown parameter', `${base}parameters:\n  lr: {values: [0.1]}\n`, /parameters\.lr: unknown parameter/],
    ['unknown key in a parameter', `${base}parameters:\n  epochs: {vals: [1]}\n`, /parameters\.epochs\.vals: unknown key/],
    ['unknown distribution', `${base}parameters:\n  epochs: {min: 1, max: 3, distribution: poisson}\n`, /parameters\.epochs\.distribution: unknown distribution "poisson"/],
    ['min ≥ max', `${base}parameters:\n  learning_rate: {min: 0.1, max: 0.01}\n`, /parameters\.learning_rate\.min: must be < max/],
    ['log range through 0', `${base}parameters:\n  learning_rate: {min: 0, max: 0.1, distribution: log_uniform_values}\n`, /parameters\.learning_rate\.min: must be > 0/],
    ['value train refuses', `${base}parameters:\n  optimizer: {values: [adam, adamw]}\n`, /parameters\.optimizer: --optimizer must be one of .*got 'adamw'/],
    ['range train refuses', `${base}parameters:\n  learning_rate: {min: -1, max: 1}\n`, /parameters\.learning_rate: --learning_rate must be a number > 0, got '-1'/],
    ['int_uniform with floats', `${base}parameters:\n  epochs: {min: 1.5, max: 3, distribution: int_uniform}\n`, /parameters\.epochs\.min: must be an integer/],
    ['probabilities not summing to 1', `${base}parameters:\n  epochs: {values: [1, 2], probabilities: [0.5, 0.6], distribution: categorical_w_probabilities}\n`, /parameters\.epochs\.probabilities/],
    ['duplicate values', `${base}parameters:\n  optimizer: {values: [nag, nesterov]}\n`, /parameters\.optimizer\.values: lists "nag" twice/],
    ['grid over a continuous range', 'method: grid\nmetric: {name: loss}\nparameters:\n  momentum: {min: 0.1, max: 0.9}\n', /parameters\.momentum: grid search needs values/],
    ['hyperband without min_iter or max_iter', `${base}early_terminate: {type: hyperband, eta: 3}\nparameters: {epochs: {value: 1}}\n`, /early_terminate: needs min_iter/],
    ['hyperband eta ≤ 1', `${base}early_terminate: {type: hyperband, min_iter: 1, eta: 1}\nparameters: {epochs: {value: 1}}\n`, /early_terminate\.eta: must be > 1/],
    ['bad run_cap', `${base}run_cap: 0\nparameters: {epochs: {value: 1}}\n`, /run_cap: must be > 0/],
    ['YAML syntax error', 'method: [grid\n', /not valid YAML/],
  ];
  test.each(bad)('%s', (_name, text, message) => {
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SweepConfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('hyperband bands, as wandb computes them', () => {
  const hb = (et: string) => parse(`${base}early_terminate: ${et}\nparameters: {epochs: {value: 1}}\n`).early_terminate!;
  test('min_iter and eta: min_iter·eta^k', () => {
    expect(hb('{type: hyperband, min_iter: 3, eta: 2}').bands.slice(0, 5)).toEqual([3, 6, 12, 24, 48]);
    expect(hb('{type: hyperband, min_iter: 1}').bands.slice(0, 4)).toEqual([1, 3, 9, 27]); // eta defaults to 3
  });
  test('max_iter, s and eta: max_iter/eta^k for k = 1..s, integers ≥ 1, ascending', () => {
    expect(hb('{type: hyperband, max_iter: 27, s: 2, eta: 3}').bands).toEqual([3, 9]);
    expect(hb('{type: hyperband, max_iter: 5, s: 2, eta: 2}').bands).toEqual([1, 2]);
    expect(hb('{type: hyperband, max_iter: 10, s: 5, eta: 3}').bands).toEqual([1, 3]); // 10/27 < 1 ends the list
  });
});
