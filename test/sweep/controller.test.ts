// The controller against an in-memory transport: the count is honoured, results and epochs are
// recorded, hyperband's stops reach the transport, a resumed sweep reruns only the interrupted
// trials, and the trial state machine refuses moves it does not have.

import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep, SweepController } from '../../lib/sweep/controller';
import { parseSweepText, validateSweepConfig } from '../../lib/sweep/schema';
import type { SweepState, TrialRecord } from '../../lib/sweep/state';
import { loadState, saveState, statePath } from '../../lib/node/sweep/store';
import { newSweep } from '../../lib/node/sweep/sweep';
import { settledRuns } from '../../lib/node/sweep/runs';
import { createRun } from '../../lib/node/experiments/runs';
import { transition } from '../../lib/sweep/trial';
import type { TrialEvents, TrialTransport } from '../../lib/sweep/transport';
import type { EpochReport, TrialJob, TrialResult } from '../../lib/sweep/types';
import { checkTrainValue, SWEEP_PARAMS } from '../../bin/commands/sweep';

/** Runs each job synchronously-later: epochs with val_accuracy = f(config), honouring stop(). */
class FakeTransport implements TrialTransport {
  started: TrialJob[] = [];
  stopped: string[] = [];
  private busy = 0;
  constructor(private readonly slots: number, private readonly f: (j: TrialJob) => number[] | 'diverge') {}
  capacity() { return this.slots - this.busy; }
  start(job: TrialJob, events: TrialEvents) {
    this.busy++;
    this.started.push(job);
    setImmediate(() => {
      const curve = this.f(job);
      const history: EpochReport[] = [];
      let state: TrialResult['state'] = 'finished';
      if (curve === 'diverge') state = 'diverged';
      else {
        for (const [i, v] of curve.entries()) {
          const r = { epoch: i + 1, loss: 1 - v, accuracy: v, val_accuracy: v };
          history.push(r);
          events.epoch(job.trialId, r);
          if (this.stopped.includes(job.trialId) && i + 1 < curve.length) { state = 'stopped-early'; break; }
        }
      }
      this.busy--;
      events.end(job.trialId, { state, history, value: history.at(-1)?.val_accuracy, message: state === 'diverged' ? 'loss NaN' : undefined });
    });
  }
  stop(id: string) { this.stopped.push(id); }
  async close() {}
}

const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-ctl-'));
function makeState(yaml: string, count: number): SweepState {
  const config = validateSweepConfig(parseSweepText(yaml), SWEEP_PARAMS, checkTrainValue);
  return newSweep({ config, count, seed: 3, runsRoot: tmp, data: {} });
}
const space = 'metric: {name: val_accuracy, goal: maximize}\nparameters:\n  learning_rate: {min: 1.0e-4, max: 1.0e-1, distribution: log_uniform_values}\n  num_layers: {values: [1, 2, 3]}\n';

test('runs exactly count trials, two at a time, recording epochs, values and states; the state file follows', async () => {
  const s = makeState(`method: random\n${space}`, 7);
  const t = new FakeTransport(2, (j) => (j.config.num_layers === 3 ? 'diverge' : [0.5, 0.6, j.config.learning_rate]));
  let maxRunning = 0;
  const c = new SweepController(s, saveState);
  await runSweep(c, t, { progress: (p) => { maxRunning = Math.max(maxRunning, p.running); } });
  expect(t.started).toHaveLength(7);
  expect(maxRunning).toBe(2);
  for (const tr of s.trials) {
    if (tr.params.num_layers === 3) expect([tr.state, tr.result?.message]).toEqual(['diverged', 'loss NaN']);
    else expect([tr.state, tr.history.length, tr.value]).toEqual(['finished', 3, tr.params.learning_rate]);
  }
  // The job is train's full config: the sweep's parameters over train's defaults, split by its seed.
  expect(t.started[0].config).toMatchObject({ optimizer: 'adam', learning_rate: s.trials[0].params.learning_rate, seed: 3 });
  expect(t.started[0].data.splitSeed).toBe(3);
  const onDisk = loadState(statePath(tmp, s.project, s.id));
  expect(onDisk.trials.map((x) => x.state)).toEqual(s.trials.map((x) => x.state));
  expect(c.progress()).toMatchObject({ done: 7, running: 0, left: 0 });
  const finished = s.trials.filter((x) => x.state === 'finished');
  expect(c.best()!.value).toBe(Math.max(...finished.map((x) => x.value!)));
});

test('hyperband stops weak trials through the transport; they end stopped-early', async () => {
  const s = makeState(`method: random\nearly_terminate: {type: hyperband, min_iter: 1, eta: 2}\n${space}`, 12);
  const t = new FakeTransport(1, (j) => [j.config.learning_rate, j.config.learning_rate, j.config.learning_rate, j.config.learning_rate]);
  await runSweep(new SweepController(s, saveState), t);
  const early = s.trials.filter((x) => x.state === 'stopped-early');
  expect(early.length).toBeGreaterThan(0);
  expect(early.map((x) => x.id).sort()).toEqual([...t.stopped].sort());
  for (const e of early) expect(e.history.length).toBeLessThan(4);
});

test('grid stops when the grid is exhausted, whatever the count', async () => {
  const s = makeState('method: grid\nmetric: {name: val_accuracy, goal: maximize}\nparameters:\n  num_layers: {values: [1, 2]}\n  epochs: {values: [1, 2]}\n', 100);
  expect(s.count).toBe(4);
  await runSweep(new SweepController(s, saveState), new FakeTransport(3, () => [0.5]));
  expect(s.trials.map((x) => [x.params.num_layers, x.params.epochs])).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);
});

test('resume: finished trials are kept, interrupted ones rerun (attempt 2), the count is honoured', async () => {
  const s = makeState(`method: bayes\n${space}`, 6);
  const c1 = new SweepController(s, saveState);
  // Start four trials, finish two, then "crash": the other two stay running in the saved state.
  const jobs = [c1.next()!, c1.next()!, c1.next()!, c1.next()!];
  c1.end(jobs[0].trialId, { state: 'finished', history: [{ epoch: 1, loss: 0, accuracy: 0, val_accuracy: 0.7 }], value: 0.7 });
  c1.end(jobs[1].trialId, { state: 'finished', history: [{ epoch: 1, loss: 0, accuracy: 0, val_accuracy: 0.6 }], value: 0.6 });
  const saved = loadState(statePath(tmp, s.project, s.id));
  const before = saved.trials.filter((x) => x.state === 'finished').map((x) => JSON.stringify(x));
  const c2 = new SweepController(saved, saveState);
  expect(c2.recover().map((x) => x.id)).toEqual([jobs[2].trialId, jobs[3].trialId]);
  const t = new FakeTransport(2, () => [0.5]);
  await runSweep(c2, t);
  expect(t.started.slice(0, 2).map((j) => [j.trialId, j.attempt])).toEqual([[jobs[2].trialId, 2], [jobs[3].trialId, 2]]);
  expect(saved.trials).toHaveLength(6);
  expect(saved.trials.every((x) => x.state === 'finished')).toBe(true);
  expect(saved.trials.filter((x) => before.includes(JSON.stringify(x)))).toHaveLength(2);
  expect(t.started).toHaveLength(4); // 2 reruns + 2 new
});

test('resume keeps the end of a trial whose run record finished before the interruption was recorded', async () => {
  const s = makeState(`method: random\n${space}`, 3);
  const c1 = new SweepController(s, saveState);
  const [a, b] = [c1.next()!, c1.next()!];
  // a's worker finished its run (summary, then status) but the sweep was killed before hearing it;
  // b's run was cut mid-way (status still 'running').
  const runA = createRun(tmp, s.project, 'a', { sweep: s.id, trial: a.trialId, attempt: a.attempt });
  runA.logEpoch(0, { loss: 0.5, accuracy: 0.8, val_accuracy: 0.75, grad_norm: 1, seconds: 1 });
  runA.logEpoch(1, { loss: 0.4, accuracy: 0.85, val_accuracy: 0.8, grad_norm: 1, seconds: 1 });
  runA.finish({ test_loss: 0.45, test_accuracy: 0.79, train_seconds: 1.5, params: 123 });
  runA.status('finished');
  const runB = createRun(tmp, s.project, 'b', { sweep: s.id, trial: b.trialId, attempt: b.attempt });
  runB.logEpoch(0, { loss: 0.6, accuracy: 0.7, val_accuracy: 0.7, grad_norm: 1, seconds: 1 });
  // A record of another attempt of a says nothing about this one.
  createRun(tmp, s.project, 'old', { sweep: s.id, trial: a.trialId, attempt: a.attempt + 1 }).status('failed', 'x');

  const saved = loadState(statePath(tmp, s.project, s.id));
  const settled = settledRuns(saved);
  expect([...settled.keys()]).toEqual([a.trialId]);
  const c2 = new SweepController(saved, saveState);
  expect(c2.recover(settled).map((x) => x.id)).toEqual([b.trialId]);
  const ta = saved.trials.find((t) => t.id === a.trialId)!;
  expect([ta.state, ta.attempt, ta.value, ta.history.length]).toEqual(['finished', 1, 0.8, 2]);
  expect(ta.result).toMatchObject({ test_accuracy: 0.79, train_seconds: 1.5, params_count: 123, runDir: runA.dir });
  const t = new FakeTransport(2, () => [0.5]);
  await runSweep(c2, t);
  // Only b reruns (attempt 2), and one new trial meets the count; a is never started again.
  expect(t.started.map((j) => [j.trialId, j.attempt])).toEqual([[b.trialId, 2], ['t0003', 1]]);
  expect(loadState(statePath(tmp, s.project, s.id)).trials.find((x) => x.id === a.trialId)).toEqual(ta);
});

test('after interrupt() nothing starts and late reports change nothing', () => {
  const s = makeState(`method: random\n${space}`, 5);
  const c = new SweepController(s, saveState);
  const a = c.next()!;
  c.next();
  c.interrupt();
  expect(s.trials.map((t) => t.state)).toEqual(['killed', 'killed']);
  // A worker finishing a trial while the workers are being stopped must not start the rerun.
  c.end(a.trialId, { state: 'finished', history: [], value: 0.9 });
  expect(c.next()).toBeNull();
  expect(s.trials.map((t) => [t.state, t.attempt])).toEqual([['killed', 1], ['killed', 1]]);
});

test('the state file is replaced atomically: no temporary file is left beside it', () => {
  const s = makeState(`method: random\n${space}`, 2);
  for (let i = 0; i < 5; i++) saveState(s);
  expect(readdirSync(join(tmp, s.project, 'sweeps')).filter((f) => f.includes('.tmp'))).toEqual([]);
  expect(JSON.parse(readFileSync(statePath(tmp, s.project, s.id), 'utf8')).id).toBe(s.id);
});

test('the trial state machine refuses moves it does not have', () => {
  const t: TrialRecord = { id: 't1', params: {}, state: 'running', attempt: 1, created: '', started: '', history: [] };
  transition(t, 'killed');
  transition(t, 'running');
  expect(t.attempt).toBe(2);
  transition(t, 'finished');
  expect(() => transition(t, 'running')).toThrow('trial t1: cannot go from finished to running');
  expect(() => transition(t, 'killed')).toThrow(/finished to killed/);
});
