// The sweep's logic, blind to transport: it suggests the next trial (search method), hears each
// epoch (hyperband may say stop), records each result, and saves the state after every change.
// runSweep() connects a controller to any TrialTransport.

import { Rng } from '../rng';
import { earlyStop } from './hyperband';
import type { Observation, SearchMethod } from './search/method';
import { methodFor } from './search';
import type { SweepState, TrialRecord } from './state';
import { isTerminal, transition } from './trial';
import type { EpochReport, TrialJob, TrialResult } from './types';
import type { TrialEvents, TrialTransport } from './transport';

export interface Progress {
  done: number;
  running: number;
  left: number;
  best?: { id: string; value: number };
}

export class SweepController {
  private readonly method: SearchMethod;
  private exhausted = false;
  /** Set by interrupt(): from then on nothing starts and late reports are ignored. */
  private interrupted = false;

  /** save: called with the state after every change (the CLI's writes the state file atomically). */
  constructor(readonly state: SweepState, private readonly save: (s: SweepState) => void) {
    this.method = methodFor(state.config.method);
  }

  /**
   * Call once when resuming. A trial the interruption left `running` or `killed` may in fact have
   * ended: its worker finished the run (the run record says so) a moment before the sweep was
   * killed, or while it had stopped listening. `settled` holds how such trials ended, by trial id,
   * as their run records tell it (lib/node/sweep/runs.ts reads them); those keep that end and are
   * not run twice. The others left running become killed (they will be rerun first); returned.
   */
  recover(settled: ReadonlyMap<string, TrialResult> = new Map()): TrialRecord[] {
    const lost: TrialRecord[] = [];
    let changed = false;
    for (const t of this.state.trials) {
      if (t.state !== 'running' && t.state !== 'killed') continue;
      const result = settled.get(t.id);
      if (result && isTerminal(result.state)) {
        this.settle(t, result);
        changed = true;
      } else if (t.state === 'running') {
        transition(t, 'killed');
        lost.push(t);
        changed = true;
      }
    }
    if (changed) this.save(this.state);
    return lost;
  }

  /** The next job to start, or null when the count is met, the space exhausted or the target reached. */
  next(): TrialJob | null {
    if (this.interrupted) return null;
    const s = this.state;
    const trials = s.trials;
    const rerun = trials.find((t) => t.state === 'killed');
    if (rerun) {
      transition(rerun, 'running');
      this.save(s);
      return this.job(rerun);
    }
    if (this.exhausted || this.targetReached()) return null;
    const committed = trials.filter((t) => t.state !== 'killed').length;
    if (committed >= s.count) return null;
    const index = trials.length;
    const params = this.method.suggest(s.config.parameters, trials.map((t) => this.observe(t)), new Rng(trialSeed(s.seed, index)));
    if (!params) {
      this.exhausted = true;
      return null;
    }
    const now = new Date().toISOString();
    const trial: TrialRecord = { id: `t${String(index + 1).padStart(4, '0')}`, params, state: 'running', attempt: 1, created: now, started: now, history: [] };
    trials.push(trial);
    this.save(s);
    return this.job(trial);
  }

  /** Records an epoch; returns true when hyperband says the trial should stop. */
  epoch(trialId: string, report: EpochReport): boolean {
    const t = this.trial(trialId);
    if (this.interrupted || t.state !== 'running') return false;
    t.history.push(report);
    const v = report[this.state.config.metric.name];
    if (v !== undefined) t.value = v;
    const hb = this.state.config.early_terminate;
    let stop = false;
    if (hb && !t.stopRequested && earlyStop(t, this.state.trials, hb, this.state.config.metric)) {
      t.stopRequested = true;
      stop = true;
    }
    this.save(this.state);
    return stop;
  }

  /** Records how a trial ended. */
  end(trialId: string, result: TrialResult): void {
    const t = this.trial(trialId);
    if (this.interrupted || t.state !== 'running') return; // a late report for a trial already settled
    this.settle(t, result);
    this.save(this.state);
  }

  private settle(t: TrialRecord, result: TrialResult): void {
    const { history, state, value, ...rest } = result;
    if (history.length >= t.history.length) t.history = history;
    t.value = value ?? t.value;
    t.result = rest;
    transition(t, state);
  }

  /**
   * Marks every running trial killed (the sweep is being interrupted) and saves. Nothing starts
   * afterwards, even if a worker reports the end of a trial while the workers are being stopped.
   */
  interrupt(): void {
    this.interrupted = true;
    for (const t of this.state.trials) if (t.state === 'running') transition(t, 'killed');
    this.save(this.state);
  }

  progress(): Progress {
    const trials = this.state.trials;
    const done = trials.filter((t) => isTerminal(t.state)).length;
    const running = trials.filter((t) => t.state === 'running').length;
    const best = this.best();
    return { done, running, left: Math.max(0, this.state.count - done - running), best: best && { id: best.id, value: best.value! } };
  }

  /** The trial with the best metric value among those that finished or stopped early. */
  best(): TrialRecord | undefined {
    const sign = this.state.config.metric.goal === 'maximize' ? 1 : -1;
    let best: TrialRecord | undefined;
    for (const t of this.state.trials) {
      if ((t.state !== 'finished' && t.state !== 'stopped-early') || t.value === undefined) continue;
      if (!best || sign * t.value > sign * best.value!) best = t;
    }
    return best;
  }

  private targetReached(): boolean {
    const target = this.state.config.metric.target;
    const best = this.best();
    if (target === undefined || !best) return false;
    return this.state.config.metric.goal === 'maximize' ? best.value! >= target : best.value! <= target;
  }

  private observe(t: TrialRecord): Observation {
    const sign = this.state.config.metric.goal === 'maximize' ? 1 : -1;
    const ok = (t.state === 'finished' || t.state === 'stopped-early') && t.value !== undefined;
    return { params: t.params, score: ok ? sign * t.value! : undefined, done: isTerminal(t.state) };
  }

  private trial(id: string): TrialRecord {
    const t = this.state.trials.find((x) => x.id === id);
    if (!t) throw new Error(`sweep ${this.state.id} has no trial ${id}`);
    return t;
  }

  private job(t: TrialRecord): TrialJob {
    const s = this.state;
    const config = { ...s.base, ...t.params } as SweepState['base']; // the sweep's parameters over train's
    // The data follow the trial's config as `train` would load them: its dataset, split by its seed.
    return {
      sweepId: s.id, trialId: t.id, attempt: t.attempt, config,
      data: { ...s.data, dataset: config.dataset, splitSeed: config.seed }, runsRoot: s.runsRoot, metric: s.config.metric.name,
    };
  }
}

/** Each trial's own seed: the suggestion for trial i depends on the sweep seed and i only. */
export function trialSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(index + 1, 0x9e3779b1)) >>> 0;
}

export interface RunHooks {
  /** Called after every event (for a progress line). */
  progress?(p: Progress): void;
  /** Called when a trial ends. */
  trialEnd?(t: TrialRecord): void;
}

/**
 * Runs a sweep to its end on a transport: keeps every free slot busy with the controller's next
 * job, forwards epochs (and hyperband's stops), records results. Resolves when the controller has
 * nothing left to run; the transport is left open (the caller closes it).
 */
export function runSweep(controller: SweepController, transport: TrialTransport, hooks: RunHooks = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        reject(err);
      }
    };
    const events: TrialEvents = {
      epoch: (id, report) => guard(() => {
        if (controller.epoch(id, report)) transport.stop(id);
        hooks.progress?.(controller.progress());
      }),
      end: (id, result) => guard(() => {
        controller.end(id, result);
        hooks.trialEnd?.(controller.state.trials.find((t) => t.id === id)!);
        pump();
      }),
    };
    const pump = () => {
      while (transport.capacity() > 0) {
        const job = controller.next();
        if (!job) break;
        transport.start(job, events);
      }
      hooks.progress?.(controller.progress());
      if (!controller.state.trials.some((t) => t.state === 'running')) resolve();
    };
    transport.onCapacity?.(() => guard(pump));
    guard(pump);
  });
}
