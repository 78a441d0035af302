// What the controller and the agents agree on in Redis, besides BullMQ's own keys: the queue of a
// sweep, the list of open sweeps agents look for, the agents' advertised slots, and the trials the
// controller asked to stop (hyperband). All keys live under one prefix.
//
//   <prefix>:sweeps              sorted set: open sweep ids, scored by when they opened
//   <prefix>:agent:<agentId>     string (expires): the agent's free-or-busy slot count, as JSON
//   <prefix>:stop:<sweepId>      set: trial ids the controller wants stopped after their current epoch
//   <prefix>:sweep-<id>:…        BullMQ's keys for the sweep's queue (one job per trial)

/** The key prefix (BullMQ's `prefix` option and ours). */
export const PREFIX = 'scratchnet';

/** The BullMQ queue that carries a sweep's trials. */
export function queueName(sweepId: string): string {
  return `sweep-${sweepId}`;
}

/** A trial's job id: one job per trial for the sweep's whole life, so adding it twice adds nothing. */
export function jobId(trialId: string): string {
  return `trial-${trialId}`;
}

/** The trial id back from a job id (undefined for a job id this sweep did not make). */
export function trialOfJob(id: string | undefined): string | undefined {
  return id?.startsWith('trial-') ? id.slice('trial-'.length) : undefined;
}

export const SWEEPS_KEY = `${PREFIX}:sweeps`;
export const AGENT_KEY_PREFIX = `${PREFIX}:agent:`;
export function stopKey(sweepId: string): string {
  return `${PREFIX}:stop:${sweepId}`;
}

/** What an agent advertises (refreshed every HEARTBEAT_MS, expires after AGENT_TTL_MS). */
export interface AgentBeat {
  agent: string;
  slots: number;
  /** The sweep it serves now, if any. */
  sweep?: string;
}
export const HEARTBEAT_MS = 2000;
export const AGENT_TTL_MS = 7000;

/**
 * BullMQ's lock on a running trial: the agent renews it every LOCK_MS / 2 from its main process (the
 * trial itself trains in a child process, so the event loop is never blocked for long). An agent
 * that dies stops renewing; after LOCK_MS another agent's stalled-job check, run every STALLED_MS,
 * puts the trial back on the queue. A trial may stall MAX_STALLS times before it is failed.
 */
export const LOCK_MS = 10000;
export const STALLED_MS = 3000;
export const MAX_STALLS = 3;

/** How a job that an agent refused ends: its failedReason starts with this. */
export const REJECTED = 'rejected by agent: ';
