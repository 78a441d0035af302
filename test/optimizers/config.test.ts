// Hyperparameter validation and the registry: bad values and unknown names fail with messages that say
// what was given and what is expected.
import { Adam, createOptimizer, optimizerNames, registerOptimizer, SGD } from '../../lib/optimizers';
import { ALL } from './harness';

describe('hyperparameter validation', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['sgd', { learning_rate: 0 }, /sgd: learning_rate = 0 is invalid; expected a finite number > 0/],
    ['sgd', { learning_rate: -0.1 }, /learning_rate = -0.1/],
    ['adam', { learning_rate: Infinity }, /learning_rate = .* expected a finite number > 0/],
    ['adam', { learning_rate: NaN }, /learning_rate/],
    ['adam', { learning_rate: '0.01' }, /learning_rate = "0.01" is invalid/],
    ['momentum', { momentum: 1 }, /momentum: momentum = 1 is invalid; expected a number in \[0, 1\)/],
    ['nag', { momentum: -0.1 }, /momentum = -0.1/],
    ['rmsprop', { beta: 1.5 }, /rmsprop: beta = 1.5 .* \[0, 1\)/],
    ['adam', { beta1: 1 }, /adam: beta1 = 1/],
    ['nadam', { beta2: -0.5 }, /nadam: beta2 = -0.5/],
    ['rmsprop', { epsilon: 0 }, /epsilon = 0 is invalid; expected a finite number > 0/],
    ['adam', { epsilon: -1e-8 }, /epsilon/],
    ['sgd', { weight_decay: -0.0005 }, /sgd: weight_decay = -0.0005 is invalid; expected a finite number ≥ 0/],
    ['adam', { lr: 0.1 }, /adam: unknown hyperparameter 'lr'; known: learning_rate, momentum/],
    ['sgd', { learningRate: 0.1 }, /unknown hyperparameter 'learningRate'/],
  ];
  it.each(bad)('%s %j → Error', (name, config, message) => {
    expect(() => createOptimizer(name, config as never)).toThrow(message);
  });

  it('constructors validate too', () => {
    expect(() => new Adam({ beta2: 1 })).toThrow(/adam: beta2 = 1/);
    expect(() => new SGD({ learning_rate: 0 })).toThrow(/sgd: learning_rate = 0/);
  });

  it('boundary values that are allowed: momentum/beta 0, weight_decay 0, undefined = default', () => {
    expect(createOptimizer('momentum', { momentum: 0 }).getConfig().momentum).toBe(0);
    expect(createOptimizer('adam', { beta1: 0, beta2: 0, weight_decay: 0 }).getConfig()).toMatchObject({ beta1: 0, beta2: 0 });
    expect(createOptimizer('adam', { learning_rate: undefined }).getConfig().learning_rate).toBe(0.001);
  });

  it('keys another optimizer uses are accepted and ignored (a CLI passes all its flags)', () => {
    const cfg = createOptimizer('sgd', { learning_rate: 0.1, momentum: 0.5, beta1: 0.9, epsilon: 1e-6 }).getConfig();
    expect(cfg).toEqual({ name: 'sgd', learning_rate: 0.1, weight_decay: 0 });
  });

  it('defaults', () => {
    expect(createOptimizer('sgd').getConfig()).toEqual({ name: 'sgd', learning_rate: 0.01, weight_decay: 0 });
    expect(createOptimizer('momentum').getConfig()).toEqual({ name: 'momentum', learning_rate: 0.01, momentum: 0.9, weight_decay: 0 });
    expect(createOptimizer('nag').getConfig()).toEqual({ name: 'nag', learning_rate: 0.01, momentum: 0.9, weight_decay: 0 });
    expect(createOptimizer('rmsprop').getConfig()).toEqual({ name: 'rmsprop', learning_rate: 0.001, beta: 0.9, epsilon: 1e-8, weight_decay: 0 });
    for (const name of ['adam', 'nadam']) {
      expect(createOptimizer(name).getConfig()).toEqual({ name, learning_rate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0 });
    }
  });
});

describe('registry', () => {
  it('lists the six built-in names', () => {
    expect(optimizerNames.slice(0, 6)).toEqual([...ALL]);
  });

  it('names are case-insensitive', () => {
    expect(createOptimizer('Adam').name).toBe('adam');
    expect(createOptimizer('RMSProp').name).toBe('rmsprop');
    expect(createOptimizer('NESTEROV').name).toBe('nag');
  });

  it('an unknown name → Error listing the valid names', () => {
    expect(() => createOptimizer('adamw')).toThrow(
      "unknown optimizer 'adamw'; valid names: sgd, momentum, nag (alias nesterov), rmsprop, adam, nadam",
    );
  });

  it('refuses to replace a registered name or alias, and bad names', () => {
    expect(() => registerOptimizer('Adam', () => new Adam())).toThrow(/'adam' is already registered/);
    expect(() => registerOptimizer('nesterov', () => new Adam())).toThrow(/already registered/);
    expect(() => registerOptimizer('my optimizer', () => new Adam())).toThrow(/invalid name/);
  });
});
