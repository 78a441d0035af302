// The one interface every search method implements (grid.ts, random.ts, bayes.ts): given the
// trials so far, suggest the next trial's parameters. Methods keep no state of their own; all of
// it is in the trials, so a resumed sweep suggests exactly what an uninterrupted one would.

import type { Rng } from '../../rng';
import type { ParamSpec } from '../schema';
import type { TrialParams } from '../types';

/** A trial as a search method sees it. */
export interface Observation {
  params: TrialParams;
  /**
   * The metric turned so that higher is better (the value when maximizing, minus it when
   * minimizing); undefined while running, and for trials that failed or diverged.
   */
  score?: number;
  /** True once the trial ended (finished, failed, diverged, stopped early). */
  done: boolean;
}

export interface SearchMethod {
  /**
   * The parameters of the next trial, or null when the method has nothing left (a grid that is
   * exhausted). rng is seeded for this trial alone.
   */
  suggest(space: Readonly<Record<string, ParamSpec>>, trials: readonly Observation[], rng: Rng): TrialParams | null;
}
