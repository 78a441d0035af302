// The controller's side of a sweep across machines: a TrialTransport that puts each trial on the
// sweep's BullMQ queue (Queue), hears epochs and results from the agents (QueueEvents), and asks
// agents to stop trials through a Redis set. The sweep's logic sees only the TrialTransport seam.
//
// Exactly once: a trial is one job with a fixed id (protocol.jobId), so adding it again (a
// resumed controller) adds nothing and the transport adopts the job where it is, waiting, running
// or already done; end() is called once per trial whatever mix of events and polls reports it.
// Nothing is lost while Redis or the controller is away: every few seconds the transport also
// reads the state of each trial it waits for, so a result whose event it missed is still taken.
// Epochs of a rerun (a trial whose agent died) replay the same figures (trials are seeded), so
// only epochs beyond the last one heard are passed on, and in order: an epoch heard after a gap
// (its predecessors' events lost while Redis was away) waits until the gap is filled, by a rerun's
// replay or by the history that comes with the result.

import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createRun, runName } from '../experiments/runs';
import type { EpochLogs } from '../../model/history';
import type { TrialEvents, TrialTransport } from '../../sweep/transport';
import type { EpochReport, TrialJob, TrialResult } from '../../sweep/types';
import { redact, type QueueAddress } from './connection';
import { AGENT_KEY_PREFIX, jobId, PREFIX, queueName, stopKey, SWEEPS_KEY, trialOfJob, type AgentBeat } from './protocol';

interface InFlight {
  job: TrialJob;
  events: TrialEvents;
  lastEpoch: number;
  /** Epochs heard after a gap, held until the epochs before them are heard. */
  ahead: Map<number, EpochReport>;
  history: EpochReport[];
}

export interface QueueTransportOptions {
  address: QueueAddress;
  sweepId: string;
  /** Where the controller writes each trial's run record (runs/<project>/<run>/). */
  runsRoot: string;
  log?: (line: string) => void;
  /** How often to count agents and to read the state of trials in flight (ms). */
  pollMs?: number;
}

export class QueueTransport implements TrialTransport {
  private readonly queue: Queue;
  private readonly queueEvents: QueueEvents;
  private readonly redis: Redis;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly log: (line: string) => void;
  private slots = 0;
  private timers: NodeJS.Timeout[] = [];
  private capacityListeners: Array<() => void> = [];
  private lastError = '';

  constructor(private readonly opts: QueueTransportOptions) {
    const connection = opts.address.options;
    const name = queueName(opts.sweepId);
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.queue = new Queue(name, { connection, prefix: PREFIX });
    this.queueEvents = new QueueEvents(name, { connection, prefix: PREFIX });
    this.redis = new Redis(connection);
    this.queue.on('error', (err) => this.warn(err));
    this.queueEvents.on('error', (err) => this.warn(err));
    this.redis.on('error', (err: Error) => this.warn(err));
    this.queueEvents.on('progress', ({ jobId: id, data }) => this.onEpoch(trialOfJob(id), data as EpochReport));
    this.queueEvents.on('completed', ({ jobId: id, returnvalue }) => this.onResult(trialOfJob(id), returnvalue as unknown as TrialResult));
    this.queueEvents.on('failed', ({ jobId: id, failedReason }) => this.onFailed(trialOfJob(id), failedReason));
  }

  /** Connects, opens the sweep to agents and starts counting them. Call before the sweep runs. */
  async open(): Promise<void> {
    await this.queueEvents.waitUntilReady();
    await this.queue.waitUntilReady();
    await this.redis.zadd(SWEEPS_KEY, 'NX', Date.now(), this.opts.sweepId);
    await this.countAgents();
    this.log(`queue ${this.opts.address.display}: sweep ${this.opts.sweepId} open to agents (${this.slots} agent slot(s) now)`);
    const every = this.opts.pollMs ?? 2000;
    this.timers.push(setInterval(() => void this.countAgents().catch((e) => this.warn(e)), every));
    this.timers.push(setInterval(() => void this.reconcile().catch((e) => this.warn(e)), every));
  }

  /**
   * Free slots: the agents' advertised slots less the trials on the queue. At least one trial is
   * always let onto the queue, so a sweep started before its agents has work waiting for them.
   */
  capacity(): number {
    return Math.max(1, this.slots) - this.inFlight.size;
  }

  /** Calls listener whenever agents add slots (the sweep then fills them). */
  onCapacity(listener: () => void): void {
    this.capacityListeners.push(listener);
  }

  start(job: TrialJob, events: TrialEvents): void {
    this.inFlight.set(job.trialId, { job, events, lastEpoch: 0, ahead: new Map(), history: [] });
    this.enqueue(job)
      .then(() => this.adopt(job.trialId)) // an earlier controller's job of this trial may be done already
      .catch((err) => this.warn(err));
  }

  /**
   * One job per trial, its id fixed (adding it again adds nothing), never retried by BullMQ (a
   * trial's failure is its result; a dead agent's trial comes back as a stalled job, not a retry),
   * kept after it ends so a resumed controller can read its result.
   */
  private enqueue(job: TrialJob): Promise<Job> {
    return this.queue.add(job.trialId, job, { jobId: jobId(job.trialId), attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  stop(trialId: string): void {
    this.redis.sadd(stopKey(this.opts.sweepId), trialId).catch((err) => this.warn(err));
  }

  /**
   * Stops listening. With no trial in flight (the sweep is done) the sweep is closed to agents and
   * its stop set removed; otherwise (an interrupted controller) the trials stay on the queue, agents
   * go on with them, and a resumed controller takes their results.
   */
  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    if (this.inFlight.size === 0) {
      await this.redis.zrem(SWEEPS_KEY, this.opts.sweepId);
      await this.redis.del(stopKey(this.opts.sweepId));
    }
    await this.queueEvents.close();
    await this.queue.close();
    this.redis.disconnect();
  }

  private warn(err: unknown): void {
    const msg = redact(err instanceof Error ? err.message : String(err));
    if (msg === this.lastError) return;
    this.lastError = msg;
    this.log(`queue: ${msg}`);
  }

  /**
   * Sums the slots of live agents serving this sweep or idle. Also keeps the sweep listed as open
   * (a Redis that lost its data would otherwise hide it from the agents).
   */
  private async countAgents(): Promise<void> {
    await this.redis.zadd(SWEEPS_KEY, 'NX', Date.now(), this.opts.sweepId);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${AGENT_KEY_PREFIX}*`, 'COUNT', 100);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    let slots = 0;
    if (keys.length) {
      for (const raw of await this.redis.mget(...keys)) {
        if (!raw) continue;
        try {
          const beat = JSON.parse(raw) as AgentBeat;
          if ((beat.sweep === undefined || beat.sweep === this.opts.sweepId) && Number.isInteger(beat.slots)) slots += beat.slots;
        } catch {
          // not an agent's beat: ignore
        }
      }
    }
    this.lastError = '';
    const grew = slots > this.slots;
    this.slots = slots;
    if (grew) for (const l of this.capacityListeners) l();
  }

  /**
   * Takes a trial's result if its job has one, else its latest epoch; false when the job is gone.
   * The state is read before the job: a job read first could finish in between, and its copy would
   * say done with no result.
   */
  private async adopt(trialId: string): Promise<boolean> {
    const id = jobId(trialId);
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') return false;
    const job = (await this.queue.getJob(id)) as Job | undefined;
    if (!job) return false;
    if (state === 'completed') this.onResult(trialId, job.returnvalue as TrialResult);
    else if (state === 'failed') this.onFailed(trialId, job.failedReason);
    else if (typeof job.progress === 'object' && job.progress !== null) this.onEpoch(trialId, job.progress as unknown as EpochReport);
    return true;
  }

  /** Reads the state of every trial in flight (results whose events were missed, lost jobs). */
  private async reconcile(): Promise<void> {
    for (const [trialId, f] of [...this.inFlight]) {
      if (await this.adopt(trialId)) continue;
      if (!this.inFlight.has(trialId)) continue;
      // Gone from Redis (a server that lost its data): put it back.
      this.log(`queue: trial ${trialId} is no longer on the queue; adding it again`);
      await this.enqueue(f.job);
    }
    this.lastError = '';
  }

  private onEpoch(trialId: string | undefined, report: EpochReport): void {
    const f = trialId === undefined ? undefined : this.inFlight.get(trialId);
    if (!f || !report || typeof report.epoch !== 'number' || report.epoch <= f.lastEpoch) return;
    f.ahead.set(report.epoch, report);
    for (let next = f.ahead.get(f.lastEpoch + 1); next; next = f.ahead.get(f.lastEpoch + 1)) {
      f.ahead.delete(next.epoch);
      f.lastEpoch = next.epoch;
      f.history.push(next);
      f.events.epoch(trialId!, next);
    }
  }

  private onFailed(trialId: string | undefined, reason: string): void {
    const f = trialId === undefined ? undefined : this.inFlight.get(trialId);
    if (!f) return;
    this.finish(trialId!, { state: 'failed', history: f.history, message: reason });
  }

  private onResult(trialId: string | undefined, result: TrialResult): void {
    if (trialId === undefined || !this.inFlight.has(trialId)) return;
    if (!result || typeof result !== 'object' || !Array.isArray(result.history)) {
      this.onFailed(trialId, `the agent returned no trial result (${JSON.stringify(result)?.slice(0, 100)})`);
      return;
    }
    // Epochs whose events were missed (controller or Redis away) come with the result.
    for (const r of result.history) this.onEpoch(trialId, r);
    this.finish(trialId, result);
  }

  /**
   * The trial's end, once: the controller's own run record, then the sweep hears it. The record is
   * written whole here, not epoch by epoch (the sweep's state has the live epochs): a controller
   * interrupted mid-trial then leaves no half record, and a resumed one writes the trial once.
   */
  private finish(trialId: string, result: TrialResult): void {
    const f = this.inFlight.get(trialId);
    if (!f) return;
    this.inFlight.delete(trialId);
    const { job } = f;
    const history = result.history.length >= f.history.length ? result.history : f.history;
    const cfg = job.config;
    const record = createRun(this.opts.runsRoot, cfg.wandb_project, runName(cfg), { ...cfg, sweep: job.sweepId, trial: trialId, attempt: job.attempt, transport: 'queue' });
    history.forEach((r) => record.logEpoch(r.epoch - 1, r as EpochLogs));
    if (result.state === 'finished' || result.state === 'stopped-early') {
      record.finish({
        run: record.name, run_dir: record.dir, config: cfg, sweep: job.sweepId, trial: trialId, params: result.params_count,
        history, test_loss: result.test_loss, test_accuracy: result.test_accuracy, train_seconds: result.train_seconds,
      });
    }
    record.status(result.state === 'killed' ? 'failed' : result.state, result.message);
    f.events.end(trialId, { ...result, history, runDir: record.dir });
  }
}
