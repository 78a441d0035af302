// A trial's state machine, explicit: every change of state goes through transition(), which refuses
// the moves the life cycle does not have (see TRIAL_STATES in types.ts).

import type { TrialRecord } from './state';
import type { TrialState } from './types';

const NEXT: Record<TrialState, readonly TrialState[]> = {
  running: ['finished', 'failed', 'diverged', 'killed', 'stopped-early'],
  // killed -> an end: on --resume, a trial whose run record shows it ended before the interruption
  // was recorded keeps that end (SweepController.recover).
  killed: ['running', 'finished', 'failed', 'diverged', 'stopped-early'],
  finished: [],
  failed: [],
  diverged: [],
  'stopped-early': [],
};

/** Moves a trial to a new state, stamping the time; throws on a move the life cycle forbids. */
export function transition(trial: TrialRecord, to: TrialState, now = new Date()): TrialRecord {
  if (!NEXT[trial.state].includes(to)) throw new Error(`trial ${trial.id}: cannot go from ${trial.state} to ${to}`);
  trial.state = to;
  if (to === 'running') {
    trial.attempt += 1;
    trial.started = now.toISOString();
    trial.history = [];
    trial.stopRequested = undefined;
    trial.ended = undefined;
    trial.value = undefined;
    trial.result = undefined;
  } else {
    trial.ended = now.toISOString();
  }
  return trial;
}

/** States that count toward the sweep's count (the trial will not run again). */
export function isTerminal(state: TrialState): boolean {
  return state !== 'running' && state !== 'killed';
}
