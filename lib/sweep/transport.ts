// How trials travel: the one seam between the sweep's logic (controller.ts: what to run, when to
// stop it) and where trials run. A transport takes TrialJobs, runs them somewhere, and reports
// epochs and results back through TrialEvents. LocalTransport (local-transport.ts) forks worker
// processes on this machine; a queue transport can carry the same jobs to remote workers.
// Workers of any transport run a job with runTrial() (trial-runner.ts).

import type { EpochReport, TrialJob, TrialResult } from './types';

/** What a transport calls back; the sweep runner passes these to the controller. */
export interface TrialEvents {
  /** A trial finished an epoch. */
  epoch(trialId: string, report: EpochReport): void;
  /** A trial ended (any terminal state). Called exactly once per started job. */
  end(trialId: string, result: TrialResult): void;
}

export interface TrialTransport {
  /** How many more trials it can take right now (free worker slots). */
  capacity(): number;
  /** Starts a job; the transport calls events.epoch/end for it later. */
  start(job: TrialJob, events: TrialEvents): void;
  /**
   * Asks a running trial to stop after its current epoch (hyperband). The trial then ends with
   * state 'stopped-early' and the epochs it completed.
   */
  stop(trialId: string): void;
  /** Stops every worker; running trials end as 'killed' (their end events may not fire). */
  close(): Promise<void>;
  /**
   * Optional: calls listener when capacity grows by itself (a queue's agents joining), not only
   * when a trial ends, so the sweep can fill the new slots.
   */
  onCapacity?(listener: () => void): void;
}
