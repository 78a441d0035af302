// A TrialTransport for the agent's tests that trains nothing: each trial reports one epoch every
// `epochMs` with figures made from its config (so a test can tell which trial a result came from),
// honours stop() after the current epoch, and remembers every job it was handed.

import type { TrialEvents, TrialTransport } from '../../lib/sweep/transport';
import type { EpochReport, TrialJob } from '../../lib/sweep/types';

export class FakeRunner implements TrialTransport {
  readonly started: TrialJob[] = [];
  private readonly running = new Map<string, { timer: NodeJS.Timeout; stop: boolean }>();

  constructor(private readonly slots: number, private readonly epochMs = 40) {}

  capacity(): number {
    return this.slots - this.running.size;
  }

  start(job: TrialJob, events: TrialEvents): void {
    if (this.capacity() <= 0) throw new Error(`FakeRunner: no free slot for ${job.trialId}`);
    this.started.push(job);
    const history: EpochReport[] = [];
    const entry = { stop: false, timer: setInterval(() => {
      const epoch = history.length + 1;
      const report: EpochReport = { epoch, loss: 1 / epoch, accuracy: job.config.learning_rate * 100 + epoch, val_accuracy: job.config.learning_rate * 100 + epoch / 10 };
      history.push(report);
      events.epoch(job.trialId, report);
      if (epoch >= job.config.epochs || entry.stop) {
        clearInterval(entry.timer);
        this.running.delete(job.trialId);
        events.end(job.trialId, { state: entry.stop && epoch < job.config.epochs ? 'stopped-early' : 'finished', value: report.val_accuracy, history, runDir: `${job.runsRoot}/${job.trialId}` });
      }
    }, this.epochMs) };
    this.running.set(job.trialId, entry);
  }

  stop(trialId: string): void {
    const r = this.running.get(trialId);
    if (r) r.stop = true;
  }

  async close(): Promise<void> {
    for (const r of this.running.values()) clearInterval(r.timer);
    this.running.clear();
  }
}
