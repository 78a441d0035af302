// The local transport: W worker processes on this machine (child_process.fork of local-worker),
// each running one trial at a time with single-threaded kernels (W trials in parallel use W
// cores). Workers live for the whole sweep, so data is loaded once per worker.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FromWorker, ToWorker } from './local-worker';
import type { TrialEvents, TrialTransport } from '../../sweep/transport';
import type { TrialJob } from '../../sweep/types';

interface Slot {
  proc: ChildProcess;
  trialId?: string;
  events?: TrialEvents;
}

export interface LocalTransportOptions {
  workers: number;
  /** Extra environment for the workers (SCRATCHNET_WASM_THREADS=1 is always set). */
  env?: NodeJS.ProcessEnv;
}

export class LocalTransport implements TrialTransport {
  private readonly slots: Slot[] = [];
  private readonly stopDir = mkdtempSync(join(tmpdir(), 'scratchnet-sweep-stop-'));
  private closing = false;

  constructor(private readonly opts: LocalTransportOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`workers must be an integer ≥ 1, got ${opts.workers}`);
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn());
  }

  capacity(): number {
    return this.slots.filter((s) => s.trialId === undefined).length;
  }

  start(job: TrialJob, events: TrialEvents): void {
    const slot = this.slots.find((s) => s.trialId === undefined);
    if (!slot) throw new Error('LocalTransport.start: no free worker (check capacity() first)');
    slot.trialId = job.trialId;
    slot.events = events;
    const msg: ToWorker = { type: 'job', job, stopDir: this.stopDir };
    slot.proc.send(msg);
  }

  stop(trialId: string): void {
    writeFileSync(join(this.stopDir, trialId), '');
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => new Promise<void>((resolve) => {
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
      s.proc.once('exit', () => resolve());
      s.proc.kill('SIGKILL');
    })));
    rmSync(this.stopDir, { recursive: true, force: true });
  }

  private spawn(): Slot {
    const proc = fork(join(__dirname, 'local-worker.js'), [], {
      env: { ...process.env, ...this.opts.env, SCRATCHNET_WASM_THREADS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    const slot: Slot = { proc };
    proc.on('message', (msg: FromWorker) => {
      if (msg.type === 'epoch' && slot.trialId === msg.trialId) slot.events?.epoch(msg.trialId, msg.report);
      if (msg.type === 'end' && slot.trialId === msg.trialId) {
        const events = slot.events!;
        slot.trialId = undefined;
        slot.events = undefined;
        events.end(msg.trialId, msg.result);
      }
    });
    proc.on('exit', (code, signal) => {
      if (this.closing) return;
      // A worker died under a trial (out of memory, killed by someone): the trial failed or was
      // killed; a fresh worker takes the slot.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      if (slot.trialId !== undefined) {
        const killed = signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT';
        slot.events!.end(slot.trialId, {
          state: killed ? 'killed' : 'failed', history: [],
          message: `worker process ${proc.pid} exited (${signal ?? `code ${code}`}) during the trial`,
        });
      }
    });
    return slot;
  }
}
