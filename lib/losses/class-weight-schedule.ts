// Class-weight schedules for the dynamical loss of Ruiz-Garcia et al., "Tilting the playing field:
// dynamical loss functions for machine learning" (ICML 2021). Feed the weights to
// WeightedCrossEntropy.setWeights before each step; the loss landscape then oscillates.
//
// C classes, T period (steps), t time within the period, i the emphasised class.
//
//   c(t, i, w_max)_k = C · Γ_k / Σ_j Γ_j,   Γ_i = 1 + (w_max − 1) · tri(t / T),   Γ_k = 1 for k ≠ i,
//   tri(s) = 1 − |2·(s mod 1) − 1|: 0 at s = 0, rising to 1 at s = ½, back to 0 at s = 1.
//
// So the emphasised class's raw weight climbs linearly from 1 to w_max over the first half of the
// period and falls back over the second; normalising keeps Σ_k c_k = C (the loss's overall scale).

/** The triangular wave tri(t / T) in [0, 1]: 0 at t = 0 (mod T), 1 at t = T/2. */
export function triangleWave(t: number, T: number): number {
  const s = (((t / T) % 1) + 1) % 1;
  return 1 - Math.abs(2 * s - 1);
}

/**
 * out (C) = c(t, i, w_max): class i weighted 1 + (w_max − 1)·tri(t/T), every other class 1, the
 * vector then scaled to sum to C. i = −1 emphasises no class (all weights 1). Returns out.
 */
export function classWeights(out: Float32Array, t: number, i: number, wMax: number, T: number, C: number): Float32Array {
  if (!Number.isInteger(C) || C < 1) throw new Error(`classWeights: C must be a positive integer, got ${C}`);
  if (out.length < C) throw new Error(`classWeights: out must hold ${C} weights, found ${out.length}`);
  if (!(T > 0)) throw new Error(`classWeights: period T must be > 0, got ${T}`);
  if (!(wMax >= 1 && Number.isFinite(wMax))) throw new Error(`classWeights: w_max must be a finite number ≥ 1, got ${wMax}`);
  if (!Number.isInteger(i) || i < -1 || i >= C) throw new Error(`classWeights: class i must be in -1..${C - 1}, got ${i}`);
  const peak = i < 0 ? 1 : 1 + (wMax - 1) * triangleWave(t, T);
  const scale = C / (C - 1 + peak);
  for (let k = 0; k < C; k++) out[k] = (k === i ? peak : 1) * scale;
  return out;
}

/** Where a schedule stands at one training step. */
export interface ClassWeightState {
  /** Time within the period, 0..T−1. */
  t: number;
  /** The emphasised class, or −1 when every weight is 1. */
  emphasised: number;
  /** The peak raw weight in force at this step. */
  wMax: number;
}

/**
 * 'class-per-step': the emphasised class moves every step and w_max decays (the loop of the Keras
 * implementation the dynamic-loss command reproduces); 'class-per-period': one class per period, w_max
 * fixed (the paper's).
 */
export type ClassWeightScheduleKind = 'class-per-step' | 'class-per-period';

/** The schedules' names before they said what they do, still accepted. */
export const SCHEDULE_ALIASES: Readonly<Record<string, ClassWeightScheduleKind>> = { seed: 'class-per-step', paper: 'class-per-period' };

/** Class weights as a function of the training step (0-based). */
export interface ClassWeightSchedule {
  readonly kind: ClassWeightScheduleKind;
  readonly numClasses: number;
  readonly period: number;
  /** The schedule's state at a step. */
  state(step: number): ClassWeightState;
  /** out (C) = the class weights of a step (classWeights at state(step)). Returns out. */
  weights(out: Float32Array, step: number): Float32Array;
}

export interface ClassWeightScheduleOptions {
  numClasses: number;
  /** Period T in steps. */
  period: number;
  /** Peak raw weight (≥ 1); the Keras implementation's is 1.5. */
  wMax: number;
  /** 'class-per-step' only: how much w_max drops per step, down to 1 (default 0.001, the implementation's). */
  decay?: number;
  /** 'class-per-period' only: total training steps; with flatEnd, the last period has all weights 1. */
  totalSteps?: number;
  /** 'class-per-period' only: no oscillation during the last period, so training settles (default false). */
  flatEnd?: boolean;
}

function checkScheduleOptions(o: ClassWeightScheduleOptions): void {
  if (!Number.isInteger(o.numClasses) || o.numClasses < 1) throw new Error(`class-weight schedule: numClasses must be a positive integer, got ${o.numClasses}`);
  if (!Number.isInteger(o.period) || o.period < 1) throw new Error(`class-weight schedule: period must be an integer ≥ 1, got ${o.period}`);
  if (!(o.wMax >= 1 && Number.isFinite(o.wMax))) throw new Error(`class-weight schedule: w_max must be a finite number ≥ 1, got ${o.wMax}`);
  if (o.decay !== undefined && !(o.decay >= 0 && Number.isFinite(o.decay))) throw new Error(`class-weight schedule: decay must be a finite number ≥ 0, got ${o.decay}`);
  if (o.flatEnd && !(Number.isInteger(o.totalSteps) && (o.totalSteps as number) > 0)) throw new Error('class-weight schedule: flatEnd needs totalSteps (a positive integer)');
}

/** A schedule from its state function: the weights of a step are classWeights at state(step). */
function scheduleOf(kind: ClassWeightSchedule['kind'], C: number, T: number, state: (step: number) => ClassWeightState): ClassWeightSchedule {
  return {
    kind,
    numClasses: C,
    period: T,
    state,
    weights: (out, step) => {
      const s = state(step);
      return classWeights(out, s.t, s.emphasised, s.wMax, T, C);
    },
  };
}

/**
 * The Keras implementation's loop, literally: at step s, t = s mod T, the emphasised class is s mod C (it moves
 * every step), and w_max is lowered by `decay` BEFORE the step (w_max ← max(1, w_max − decay)),
 * so step s uses max(1, w_max − decay·(s+1)).
 */
export function classPerStepSchedule(opts: ClassWeightScheduleOptions): ClassWeightSchedule {
  checkScheduleOptions(opts);
  const { numClasses: C, period: T, wMax } = opts;
  const decay = opts.decay ?? 0.001;
  return scheduleOf('class-per-step', C, T, (step) => ({ t: step % T, emphasised: step % C, wMax: Math.max(1, wMax - decay * (step + 1)) }));
}

/**
 * The paper's schedule: t runs through one whole period with class i emphasised, then the next
 * class takes over (i = ⌊s / T⌋ mod C); w_max stays fixed. With flatEnd, the last T steps of
 * totalSteps use weight 1 for every class (plain cross-entropy) so the network settles.
 */
export function classPerPeriodSchedule(opts: ClassWeightScheduleOptions): ClassWeightSchedule {
  checkScheduleOptions(opts);
  const { numClasses: C, period: T, wMax } = opts;
  const flatFrom = opts.flatEnd ? Math.max(0, (opts.totalSteps as number) - T) : Infinity;
  return scheduleOf('class-per-period', C, T, (step) =>
    step >= flatFrom ? { t: step % T, emphasised: -1, wMax: 1 } : { t: step % T, emphasised: Math.floor(step / T) % C, wMax });
}

/** The old names of the two schedules. */
export const seedSchedule = classPerStepSchedule;
export const paperSchedule = classPerPeriodSchedule;

/** A schedule by name: 'class-per-step' or 'class-per-period' (or the old 'seed' / 'paper'). */
export function createClassWeightSchedule(kind: ClassWeightScheduleKind | 'seed' | 'paper', opts: ClassWeightScheduleOptions): ClassWeightSchedule {
  const k = SCHEDULE_ALIASES[kind] ?? kind;
  if (k === 'class-per-step') return classPerStepSchedule(opts);
  if (k === 'class-per-period') return classPerPeriodSchedule(opts);
  throw new Error(`unknown class-weight schedule '${String(kind)}': expected class-per-step or class-per-period`);
}
