// docs/library.md's "Write your own optimizer" example (lib/optimizers/examples/adagrad.ts) really works:
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

describe('docs/library.md', () => {
  it("shows lib/optimizers/examples/adagrad.ts verbatim in 'Write your own optimizer'", () => {
    const root = `${__dirname}/../..`;
    const doc = fs.readFileSync(`${root}/docs/library.md`, 'utf8');
    const section = doc.slice(doc.indexOf('## Write your own optimizer'));
    const file = fs.readFileSync(`${root}/lib/optimizers/examples/adagrad.ts`, 'utf8').trimEnd();
    expect(section).toContain('```ts\n' + file + '\n```');
  });
});
