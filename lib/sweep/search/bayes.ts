// Bayesian search: the tree-structured Parzen estimator (TPE; Bergstra et al. 2011, "Algorithms for
// Hyper-Parameter Optimization"; Optuna's default sampler has the same shape). After a few random
// trials, the ended ones are split into the best fraction γ ("good") and the rest ("bad"); for each
// parameter two densities are fitted, l(x) over the good trials' values and g(x) over the bad
// ones', and the value maximizing l(x)/g(x) among candidates drawn from l is suggested: it
// maximizes expected improvement under TPE's model. Parameters are modelled independently:
//   categorical: smoothed frequencies, l(c) = (n_good(c) + 1) / (n_good + K);
//   numeric: a mixture of Gaussians truncated to the range, one at each value (in ln x for
//   log-scaled parameters), width = the larger gap to its sorted neighbours, plus one wide prior
//   component; integer and q parameters are rounded after sampling.
// Failed and diverged trials count as bad; running ones too (Optuna's "constant liar"), so that
// parallel workers are not handed the same point. A trial is deterministic (seeded), so a point
// already tried is never suggested again: the draw is repeated, then the prior is sampled.

import type { Rng } from '../../rng';
import type { ParamSpec } from '../schema';
import type { ParamValue, TrialParams } from '../types';
import type { Observation, SearchMethod } from './method';
import { bounds, fromU, samplePrior, toU } from './sample';

/** Random trials before the model is used. */
export const STARTUP_TRIALS = 10;
/** Candidates drawn from l(x) per parameter. */
export const CANDIDATES = 24;
/**
 * Chance that a trial after the startup ones is drawn from the prior anyway: the model alone can
 * lock onto a good-but-not-best categorical value and never sample the best one again.
 */
export const EXPLORE = 0.1;
/**
 * Fraction of ended trials in the good group (at least 1, at most 25 trials), as Optuna's default.
 * (0.1 and 0.25, each with and without EXPLORE, were compared on seeds 1-30 of the synthetic
 * benchmark; docs/sweeps.md reports seeds 101-130, which played no part in the choice.)
 */
export const GAMMA = 0.1;

export const bayesSearch: SearchMethod = {
  suggest(space, trials, rng) {
    const scored = trials.filter((t) => t.done && t.score !== undefined);
    const prior = scored.length < STARTUP_TRIALS || rng.uniform() < EXPLORE;
    const { good, bad } = splitGoodBad(trials);
    const seen = new Set(trials.map((t) => paramsKey(t.params)));
    let out: TrialParams = {};
    for (let attempt = 0; attempt < 2 * RETRIES; attempt++) {
      out = {};
      for (const [name, spec] of Object.entries(space)) {
        out[name] = prior || attempt >= RETRIES
          ? samplePrior(spec, rng)
          : suggestOne(spec, good.map((t) => t.params[name]), bad.map((t) => t.params[name]), rng);
      }
      if (!seen.has(paramsKey(out))) break;
    }
    return out;
  },
};

/** Draws from the model before falling back to the prior when every draw was tried already. */
const RETRIES = 20;

function paramsKey(p: TrialParams): string {
  return JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));
}

/** The good group: the ceil(γ·n) best-scored ended trials (≤ 25); every other trial is bad. */
export function splitGoodBad(trials: readonly Observation[]): { good: Observation[]; bad: Observation[] } {
  const scored = trials.filter((t) => t.done && t.score !== undefined).sort((a, b) => b.score! - a.score!);
  const nGood = Math.min(25, Math.max(1, Math.ceil(GAMMA * scored.length)));
  const good = scored.slice(0, nGood);
  const bad = trials.filter((t) => !good.includes(t));
  return { good, bad };
}

function suggestOne(spec: ParamSpec, good: (ParamValue | undefined)[], bad: (ParamValue | undefined)[], rng: Rng): ParamValue {
  switch (spec.kind) {
    case 'constant': return spec.value;
    case 'categorical': {
      const K = spec.values.length;
      const idx = (v: ParamValue | undefined) => spec.values.indexOf(v as ParamValue);
      const l = categoricalDensity(good.map(idx), K);
      const g = categoricalDensity(bad.map(idx), K);
      let best = 0;
      let bestScore = -Infinity;
      // Candidates drawn from l, as for numeric parameters (with K ≤ 24 this nearly always
      // includes the argmax of l/g over the categories l favours).
      for (let c = 0; c < CANDIDATES; c++) {
        const k = drawIndex(l, rng);
        const s = Math.log(l[k]) - Math.log(g[k]);
        if (s > bestScore) { bestScore = s; best = k; }
      }
      return spec.values[best];
    }
    case 'numeric':
    case 'normal': {
      const [lo0, hi0] = bounds(spec);
      // An integer range is modelled on [min - ½, max + ½] so the end values get their full share.
      const pad = spec.kind === 'numeric' && spec.int && !spec.log ? 0.5 : 0;
      const lo = lo0 - pad;
      const hi = hi0 + pad;
      const us = (vs: (ParamValue | undefined)[]) => vs.filter((v): v is number => typeof v === 'number').map((v) => toU(spec, v));
      const l = parzen(us(good), lo, hi);
      const g = parzen(us(bad), lo, hi);
      let best = l.sample(rng);
      let bestScore = -Infinity;
      for (let c = 0; c < CANDIDATES; c++) {
        const u = c === 0 ? best : l.sample(rng);
        const s = l.logPdf(u) - g.logPdf(u);
        if (s > bestScore) { bestScore = s; best = u; }
      }
      return fromU(spec, best);
    }
  }
}

/** Smoothed category frequencies: (count + 1) / (n + K); unknown values (-1) are ignored. */
export function categoricalDensity(indices: readonly number[], K: number): number[] {
  const p = new Array<number>(K).fill(1);
  let n = K;
  for (const i of indices) if (i >= 0) { p[i] += 1; n += 1; }
  return p.map((c) => c / n);
}

function drawIndex(p: readonly number[], rng: Rng): number {
  let r = rng.uniform();
  for (let i = 0; i < p.length; i++) {
    r -= p[i];
    if (r < 0) return i;
  }
  return p.length - 1;
}

/** A Parzen estimator: equally weighted Gaussians truncated to [lo, hi]. */
export interface Parzen {
  mus: number[];
  sigmas: number[];
  sample(rng: Rng): number;
  logPdf(u: number): number;
}

/**
 * Builds the mixture for observations us on [lo, hi]: one component per observation plus a prior
 * component (centre of the range, σ = its width). Each observation's σ is the larger distance to
 * its neighbours in sorted order (the range ends count as neighbours), clipped to
 * [width / min(100, n + 1), width].
 */
export function parzen(us: readonly number[], lo: number, hi: number): Parzen {
  const width = hi - lo;
  const sorted = [...us, (lo + hi) / 2].sort((a, b) => a - b);
  const mus: number[] = [];
  const sigmas: number[] = [];
  const minSigma = width / Math.min(100, sorted.length + 1);
  let priorTaken = false;
  for (let i = 0; i < sorted.length; i++) {
    const mu = sorted[i];
    const isPrior = !priorTaken && mu === (lo + hi) / 2 && (priorTaken = true);
    const left = mu - (i > 0 ? sorted[i - 1] : lo);
    const right = (i + 1 < sorted.length ? sorted[i + 1] : hi) - mu;
    mus.push(mu);
    sigmas.push(isPrior ? width : Math.min(width, Math.max(minSigma, left, right)));
  }
  const n = mus.length;
  const mass = mus.map((m, i) => normalCdf((hi - m) / sigmas[i]) - normalCdf((lo - m) / sigmas[i]));
  return {
    mus,
    sigmas,
    sample(rng) {
      const k = rng.int(n);
      for (let tries = 0; tries < 100; tries++) {
        const u = mus[k] + sigmas[k] * rng.normal();
        if (u >= lo && u <= hi) return u;
      }
      return Math.min(hi, Math.max(lo, mus[k]));
    },
    logPdf(u) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        const z = (u - mus[i]) / sigmas[i];
        p += Math.exp(-0.5 * z * z) / (sigmas[i] * Math.sqrt(2 * Math.PI) * Math.max(mass[i], 1e-12));
      }
      return Math.log(p / n + 1e-300);
    },
  };
}

/** Φ(z), the standard normal CDF, through erf (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
