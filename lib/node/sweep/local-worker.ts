// A local sweep worker: a child process forked by LocalTransport. It runs the jobs it is sent one
// at a time with runTrial (data stays loaded between them), reports each epoch and the result over
// the IPC channel, and stops a trial after the epoch in which its stop file appears (training is
// synchronous, so a message could not be read mid-trial; a file can).

import '../platform'; // Node's platform for the core (wasm files, threads, environment)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTrial } from './trial-runner';
import type { TrialJob } from '../../sweep/types';

/** Messages between LocalTransport and its workers. */
export type ToWorker = { type: 'job'; job: TrialJob; stopDir: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'epoch'; trialId: string; report: import('../../sweep/types').EpochReport }
  | { type: 'end'; trialId: string; result: import('../../sweep/types').TrialResult };

function send(msg: FromWorker): void {
  process.send!(msg);
}

if (require.main === module) {
  if (!process.send) throw new Error('local-worker must be started by LocalTransport (child_process.fork)');
  process.on('message', (msg: ToWorker) => {
    if (msg.type !== 'job') return;
    const { job, stopDir } = msg;
    const stopFile = join(stopDir, job.trialId);
    const result = runTrial(job, {
      epoch: (report) => send({ type: 'epoch', trialId: job.trialId, report }),
      shouldStop: () => existsSync(stopFile),
    });
    send({ type: 'end', trialId: job.trialId, result });
  });
  // The sweep process went away (killed): nothing to report to, so stop.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group; the sweep process decides what it means.
  process.on('SIGINT', () => undefined);
  send({ type: 'ready' });
}
