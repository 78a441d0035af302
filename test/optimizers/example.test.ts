// The README's "add your own optimizer" example (lib/optimizers/examples/adagrad.ts) really works:
// importing it registers 'adagrad', and its trajectory matches the NumPy fixture (make_fixture.py).
import * as fs from 'fs';
import { createOptimizer, optimizerNames } from '../../lib/optimizers';
import { Adagrad } from '../../lib/optimizers/examples/adagrad';
import { casesFor, expectTrajectory, runTrajectory } from './harness';

describe('example optimizer: Adagrad in one file', () => {
  it('is registered by importing its file', () => {
    expect(optimizerNames).toContain('adagrad');
    expect(createOptimizer('AdaGrad')).toBeInstanceOf(Adagrad);
  });

  it.each(casesFor('adagrad').map((c) => [JSON.stringify(c.config), c] as const))('matches NumPy for 5 steps, config %s', (_, c) => {
    expectTrajectory(runTrajectory(createOptimizer('adagrad', c.config)), c.steps);
  });

  it('validates like the built-ins', () => {
    expect(() => createOptimizer('adagrad', { epsilon: 0 })).toThrow(/adagrad: epsilon = 0 is invalid/);
  });
});

describe('README', () => {
  it("shows lib/optimizers/examples/adagrad.ts verbatim in 'Optimizers: the exact update rules'", () => {
    const root = `${__dirname}/../..`;
    const readme = fs.readFileSync(`${root}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Optimizers: the exact update rules'));
    const file = fs.readFileSync(`${root}/lib/optimizers/examples/adagrad.ts`, 'utf8').trimEnd();
    expect(section).toContain('```ts\n' + file + '\n```');
  });
});
