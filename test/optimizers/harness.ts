// Shared by the optimizer tests: the fixture's problem rebuilt in TypeScript, a training loop that drives
// any Optimizer through it, and a trajectory comparison with mixed absolute/relative tolerance.
// The expected numbers come from test/fixtures/optimizers/make_fixture.py (NumPy float64, written from
// the README's update rules, not from this code). Regenerate: python3 test/fixtures/optimizers/make_fixture.py

import * as fs from 'fs';
import * as path from 'path';
import type { Optimizer, OptimizerConfig } from '../../lib/optimizers';

export interface FixtureCase {
  optimizer: string;
  config: OptimizerConfig;
  /** params after each step, steps × n. */
  steps: number[][];
}

interface Fixture {
  problem: { w0: number[]; a: number[]; c: number[]; q: number; d: number[]; steps: number; };
  cases: FixtureCase[];
}

const fixture: Fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'optimizers', 'optimizers.json'), 'utf8'),
);
export const problem = fixture.problem;

/** The fixture's cases for one optimizer (defaults and custom hyperparameters, weight_decay 0 and 0.01). */
export function casesFor(name: string): FixtureCase[] {
  const cases = fixture.cases.filter((c) => c.optimizer === name);
  if (cases.length === 0) throw new Error(`no fixture cases for ${name}`);
  return cases;
}

/** One case, found by optimizer and config (matched as JSON). */
export function findCase(name: string, config: OptimizerConfig): FixtureCase {
  const found = casesFor(name).find((c) => JSON.stringify(c.config) === JSON.stringify(config));
  if (found === undefined) throw new Error(`no fixture case ${name} ${JSON.stringify(config)}`);
  return found;
}

/**
 * grads (n) = ∇f(params), f = Σ a(w−c)²/2 + q·Σ w⁴, computed in float64 from the float32 params, as a
 * model's backward pass would produce it. No decay term: adding λ·d·w is the optimizer's job.
 */
export function gradient(grads: Float32Array, params: Readonly<Float32Array>): Float32Array {
  const { a, c, q } = problem;
  for (let i = 0; i < params.length; i++) {
    const w = params[i];
    grads[i] = a[i] * (w - c[i]) + 4 * q * w * w * w;
  }
  return grads;
}

/**
 * The training loop as the model runs it: look ahead (if the optimizer can), evaluate the gradient at
 * params, step. Returns params after each step. With useLookahead = false, lookahead() is never called
 * (a user's own loop).
 */
export function runTrajectory(opt: Optimizer, steps = problem.steps, useLookahead = true): number[][] {
  const params = Float32Array.from(problem.w0);
  const grads = new Float32Array(params.length);
  const decay = Float32Array.from(problem.d);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    if (useLookahead) opt.lookahead?.(params);
    gradient(grads, params);
    opt.step(params, grads, decay);
    out.push(Array.from(params));
  }
  return out;
}

/*
 * Tolerance. The fixture is float64; here params, grads and slots are float32, so every store rounds with
 * relative error ≤ 2⁻²⁴ ≈ 6e-8, and the rounding of params feeds the next gradient. Over 5 steps the
 * observed worst error is ~2e-7 relative to the parameter (nag with weight decay), so we
 * allow |actual − expected| ≤ ATOL + RTOL·|expected| with RTOL = 1e-5 and ATOL = 1e-6: two orders of
 * magnitude above float32 noise, yet a formula error (a missing bias correction, ε inside the root, the
 * gradient at the wrong point) moves some parameter by 1e-4 or more within 5 steps and fails.
 */
export const RTOL = 1e-5;
export const ATOL = 1e-6;

/** max over all steps and params of |a − e| / (ATOL + RTOL·|e|): ≤ 1 means the trajectories match. */
export function worstError(actual: number[][], expected: number[][]): { ratio: number; where: string } {
  if (actual.length !== expected.length) throw new Error(`trajectory lengths differ: ${actual.length} vs ${expected.length}`);
  let ratio = 0;
  let where = '';
  for (let s = 0; s < expected.length; s++) {
    for (let i = 0; i < expected[s].length; i++) {
      const r = Math.abs(actual[s][i] - expected[s][i]) / (ATOL + RTOL * Math.abs(expected[s][i]));
      if (!(r <= ratio)) {
        ratio = r;
        where = `step ${s + 1}, param ${i}: got ${actual[s][i]}, expected ${expected[s][i]}`;
      }
    }
  }
  return { ratio, where };
}

/** Fails with the worst step/param when the trajectories differ beyond the tolerance. */
export function expectTrajectory(actual: number[][], expected: number[][]): void {
  const { ratio, where } = worstError(actual, expected);
  if (ratio > 1) throw new Error(`trajectory mismatch (error ${ratio.toFixed(1)}× the tolerance) at ${where}`);
}

/** True when the trajectories differ beyond the tolerance (for the "a wrong formula is caught" tests). */
export function trajectoriesDiffer(actual: number[][], expected: number[][]): boolean {
  return worstError(actual, expected).ratio > 1;
}

export const ALL = ['sgd', 'momentum', 'nag', 'rmsprop', 'adam', 'nadam'] as const;
