// `scratchnet agent`'s logic: a BullMQ Worker that takes trials off an open sweep's queue and runs
// them on this machine through a local transport (worker processes), `slots` at a time. Each job is
// checked first (job.ts): a bad one is rejected (failed without retry, the reason recorded by the
// controller) and nothing of it runs. While a trial runs its epochs go back as job progress; after
// each epoch the agent looks whether the controller asked the trial to stop. The trial trains in a
// child process, so this process's event loop stays free to renew the job's lock: if the agent dies,
// the lock lapses and another agent's stalled-job check puts the trial back on the queue.

import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { TrialTransport } from '../../sweep/transport';
import type { TrialJob, TrialResult } from '../../sweep/types';
import { redact, type QueueAddress } from './connection';
import { parseTrialJob, type ConfigCheck } from './job';
import {
  AGENT_KEY_PREFIX, AGENT_TTL_MS, HEARTBEAT_MS, jobId, LOCK_MS, MAX_STALLS, PREFIX, queueName, REJECTED, STALLED_MS,
  stopKey, SWEEPS_KEY, type AgentBeat,
} from './protocol';

/** Waits for a promise at most ms (its failure ignored). */
function within(p: Promise<unknown> | undefined, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    (p ?? Promise.resolve()).catch(() => undefined),
    new Promise((resolve) => { timer = setTimeout(resolve, ms); }),
  ]).finally(() => clearTimeout(timer));
}

export interface AgentOptions {
  address: QueueAddress;
  /** Trials run at once (the local transport must have as many workers). */
  slots: number;
  /** Runs checked jobs on this machine (LocalTransport in the CLI). */
  runner: TrialTransport;
  /** Checks a job's train configuration (train's flag rules). */
  checkConfig: ConfigCheck;
  /** This machine's run-record folder and data folder (a job's own paths are ignored). */
  local: { runsRoot: string; dataDir?: string };
  /** Serve only this sweep (default: the oldest open sweep, then the next). */
  sweep?: string;
  log?: (line: string) => void;
  /** How often to look for open sweeps (ms). */
  pollMs?: number;
}

export class QueueAgent {
  readonly id = `${hostname()}-${process.pid}`;
  private readonly redis: Redis;
  private readonly log: (line: string) => void;
  private worker?: Worker;
  private serving?: string;
  private timers: NodeJS.Timeout[] = [];
  private closing = false;
  private lastError = '';
  private waitLogged = false;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.redis = new Redis(opts.address.options);
    this.redis.on('error', (err: Error) => this.warn(err));
  }

  /** The sweep whose queue the agent takes trials from now, if any. */
  get sweep(): string | undefined {
    return this.serving;
  }

  /** Starts advertising slots and looking for sweeps; resolves once the first look is done. */
  async start(): Promise<void> {
    this.log(`agent ${this.id}: ${this.opts.slots} slot(s) on ${this.opts.address.display}`);
    await this.beat();
    await this.poll();
    this.timers.push(setInterval(() => void this.beat().catch((e) => this.warn(e)), HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.poll().catch((e) => this.warn(e)), this.opts.pollMs ?? 1000));
  }

  /**
   * Stops taking trials and stops the local workers. Running trials are not finished: their locks
   * lapse and the queue gives them to another agent (or to this one when it comes back).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    // Bounded: with Redis away these would wait for it forever (commands retry until it is back).
    await within(this.worker?.close(true), 2000);
    await this.opts.runner.close();
    await within(this.redis.del(AGENT_KEY_PREFIX + this.id), 1000);
    this.redis.disconnect();
  }

  private warn(err: unknown): void {
    const msg = redact(err instanceof Error ? err.message : String(err));
    if (msg === this.lastError) return; // Redis away: one line, not one per retry
    this.lastError = msg;
    this.log(`agent ${this.id}: ${msg}`);
  }

  private async beat(): Promise<void> {
    const beat: AgentBeat = { agent: this.id, slots: this.opts.slots, sweep: this.serving };
    await this.redis.set(AGENT_KEY_PREFIX + this.id, JSON.stringify(beat), 'PX', AGENT_TTL_MS);
  }

  /** Serves the chosen sweep while it is open; moves on when its controller closes it. */
  private async poll(): Promise<void> {
    if (this.closing) return;
    const open = await this.redis.zrange(SWEEPS_KEY, '0', '-1');
    this.lastError = '';
    const want = this.opts.sweep !== undefined ? (open.includes(this.opts.sweep) ? this.opts.sweep : undefined) : open[0];
    if (this.serving !== undefined && this.serving !== want && !open.includes(this.serving)) {
      this.log(`agent ${this.id}: sweep ${this.serving} is closed`);
      const w = this.worker;
      this.worker = undefined;
      this.serving = undefined;
      await w?.close();
    }
    if (this.serving === undefined && want !== undefined && !this.closing) {
      // A worker let go (its sweep vanished from the list: closed, or a Redis that lost its data)
      // still has its trials in the runner until they end. A new worker takes up to `slots` jobs at
      // once, so it starts only when every slot is free, or a job would find none and fail.
      const busy = this.opts.slots - this.opts.runner.capacity();
      if (busy > 0) {
        if (!this.waitLogged) this.log(`agent ${this.id}: sweep ${want} open; waiting for ${busy} trial(s) still running here to end`);
        this.waitLogged = true;
        return;
      }
      this.waitLogged = false;
      this.serve(want);
    }
  }

  private serve(sweepId: string): void {
    this.serving = sweepId;
    this.log(`agent ${this.id}: serving sweep ${sweepId}`);
    this.worker = new Worker(queueName(sweepId), (job) => this.process(sweepId, job), {
      connection: this.opts.address.options,
      prefix: PREFIX,
      concurrency: this.opts.slots,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_MS,
      maxStalledCount: MAX_STALLS,
    });
    this.worker.on('error', (err) => this.warn(err));
  }

  /** One job: check it, run it locally, return its TrialResult (BullMQ stores it as the job's result). */
  private async process(sweepId: string, job: Job): Promise<TrialResult> {
    let trial: TrialJob;
    try {
      trial = parseTrialJob(job.data, this.opts.checkConfig, this.opts.local);
      if (trial.sweepId !== sweepId) throw new Error(`job.sweepId '${trial.sweepId}' is not this queue's sweep '${sweepId}'`);
      if (job.id !== jobId(trial.trialId)) throw new Error(`job id '${job.id}' does not match trial '${trial.trialId}'`);
    } catch (err) {
      const why = (err as Error).message;
      this.log(`agent ${this.id}: rejected job ${job.id} of sweep ${sweepId}: ${why}`);
      throw new UnrecoverableError(REJECTED + why);
    }
    this.log(`agent ${this.id}: trial ${trial.trialId} of sweep ${sweepId} (try ${job.stalledCounter + 1})`);
    const stopped = () => this.redis.sismember(stopKey(sweepId), trial.trialId).then((n) => n === 1);
    const result = await new Promise<TrialResult>((resolve) => {
      this.opts.runner.start(trial, {
        epoch: (id, report) => {
          job.updateProgress({ ...report }).catch((e) => this.warn(e));
          stopped().then((s) => s && this.opts.runner.stop(id), (e) => this.warn(e));
        },
        end: (_id, r) => resolve(r),
      });
      stopped().then((s) => s && this.opts.runner.stop(trial.trialId), (e) => this.warn(e));
    });
    if (result.state === 'killed') {
      // Our own workers were stopped (the agent is closing): leave the job to stall and be rerun.
      await new Promise(() => undefined);
    }
    this.log(`agent ${this.id}: trial ${trial.trialId} ${result.state}${result.value !== undefined ? ` (${trial.metric} ${result.value.toFixed(4)})` : ''}`);
    return result;
  }
}
