// The contract every built-in optimizer keeps: reads grads and decay without writing them, counts t in
// steps, allocates its slots once (on the first step), refuses buffers of another length, applies weight
// decay only where the decay multiplier is 1, and can be rebuilt from its getConfig().
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../../lib/optimizers';
import { ALL, findCase, gradient, problem, runTrajectory, trajectoriesDiffer } from './harness';

/** The Float32Array fields of an optimizer (its slots), by name. */
function slots(opt: Optimizer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of Object.entries(opt)) if (v instanceof Float32Array) out.set(k, v);
  return out;
}

describe.each(ALL)('%s keeps the Optimizer contract', (name) => {
  it('never writes grads or decay; t counts steps from 1; slots are allocated on the first step only', () => {
    const opt = createOptimizer(name, { learning_rate: 0.05, weight_decay: 0.01 });
    expect(opt.name).toBe(name);
    expect(opt.t).toBe(0);
    const params = Float32Array.from(problem.w0);
    const grads = new Float32Array(params.length);
    const decay = Float32Array.from(problem.d);
    let first: Map<string, Float32Array> | null = null;
    for (let s = 1; s <= 3; s++) {
      opt.lookahead?.(params);
      gradient(grads, params);
      const gradsBefore = Array.from(grads);
      opt.step(params, grads, decay);
      expect(Array.from(grads)).toEqual(gradsBefore);
      expect(Array.from(decay)).toEqual(problem.d);
      expect(opt.t).toBe(s);
      const now = slots(opt);
      for (const slot of now.values()) expect(slot.length).toBe(params.length);
      if (first === null) first = now;
      else for (const [k, v] of now) expect(v).toBe(first.get(k)); // same object: nothing reallocated
    }
  });

  it('refuses buffers whose length differs from the first step or from each other', () => {
    const opt = createOptimizer(name);
    const n = 4;
    opt.step(new Float32Array(n), new Float32Array(n), new Float32Array(n));
    expect(() => opt.step(new Float32Array(n + 1), new Float32Array(n + 1), new Float32Array(n + 1))).toThrow(/sized for 4/);
    expect(() => opt.step(new Float32Array(n), new Float32Array(n - 1), new Float32Array(n))).toThrow(/one length/);
    if (opt.lookahead) expect(() => opt.lookahead!(new Float32Array(n + 2))).toThrow(/sized for 4/);
    expect(opt.t).toBe(1); // failed steps are not counted
  });

  it('weight decay reaches kernels (d = 1) only, and is caught if applied to biases or omitted', () => {
    const custom = findCase(name, { ...customOf(name), weight_decay: 0.01 });
    const withoutDecay = runTrajectory(createOptimizer(name, { ...custom.config, weight_decay: 0 }));
    expect(trajectoriesDiffer(withoutDecay, custom.steps)).toBe(true);
    // decay on every parameter (biases too): the bias coordinates 4, 5 move differently
    const allDecayed = runWithDecay(createOptimizer(name, custom.config), [1, 1, 1, 1, 1, 1]);
    expect(trajectoriesDiffer(allDecayed.map((w) => w.slice(4)), custom.steps.map((w) => w.slice(4)))).toBe(true);
  });

  it('is rebuilt exactly from its getConfig() (what a saved model stores)', () => {
    const opt = createOptimizer(name.toUpperCase(), { ...customOf(name), weight_decay: 0.01 });
    const cfg = opt.getConfig();
    expect(cfg.name).toBe(name);
    const again = createOptimizer(String(cfg.name), cfg as OptimizerConfig);
    expect(again.getConfig()).toEqual(cfg);
    expect(runTrajectory(again)).toEqual(runTrajectory(createOptimizer(name, { ...customOf(name), weight_decay: 0.01 })));
  });
});

/** The fixture's non-default hyperparameters for an optimizer (without weight_decay). */
function customOf(name: string): Record<string, number> {
  return ({
    sgd: { learning_rate: 0.05 },
    momentum: { learning_rate: 0.05, momentum: 0.8 },
    nag: { learning_rate: 0.05, momentum: 0.8 },
    rmsprop: { learning_rate: 0.05, beta: 0.85, epsilon: 1e-6 },
    adam: { learning_rate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6 },
    nadam: { learning_rate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-6 },
  } as Record<string, Record<string, number>>)[name];
}

/** runTrajectory with other decay multipliers. */
function runWithDecay(opt: Optimizer, d: number[]): number[][] {
  const params = Float32Array.from(problem.w0);
  const grads = new Float32Array(params.length);
  const decay = Float32Array.from(d);
  const out: number[][] = [];
  for (let s = 0; s < problem.steps; s++) {
    opt.lookahead?.(params);
    opt.step(params, gradient(grads, params), decay);
    out.push(Array.from(params));
  }
  return out;
}
