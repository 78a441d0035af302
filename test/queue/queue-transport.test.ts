// The controller's transport on its own, against in-process agents (FakeRunner, no training) on a
// private redis-server: capacity follows the agents that join, and a Redis that restarts WITHOUT
// persistence (the queue and every job lost) still ends with each trial ended exactly once.

import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTrainConfig } from '../../bin/train-flags';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';
import { QueueAgent } from '../../lib/node/queue/agent';
import { parseQueueAddress, type QueueAddress } from '../../lib/node/queue/connection';
import { PREFIX, queueName, SWEEPS_KEY } from '../../lib/node/queue/protocol';
import { QueueTransport } from '../../lib/node/queue/queue-transport';
import type { TrialEvents } from '../../lib/sweep/transport';
import type { EpochReport, TrialJob, TrialResult } from '../../lib/sweep/types';
import { FakeRunner } from './fake-runner';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server';

function trialJob(sweepId: string, trialId: string, epochs: number): TrialJob {
  return {
    sweepId, trialId, attempt: 1, metric: 'val_accuracy', runsRoot: 'unused',
    config: { ...DEFAULT_CONFIG, epochs, learning_rate: 0.001 * Number(trialId.slice(1)) },
    data: { dataset: 'mnist', trainLimit: 500, splitSeed: 1 },
  };
}

async function until(cond: () => boolean, what: string, ms = 40000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithRedis('QueueTransport (the controller side)', () => {
  let server: RedisServer;
  let tmp: string;
  const closers: Array<() => Promise<unknown>> = [];
  const logs: string[] = [];

  beforeAll(async () => {
    server = await startRedis({ persist: false });
    tmp = mkdtempSync(join(tmpdir(), 'scratchnet-qt-'));
  });
  /** A controller-side transport of sweep `sweepId`, closed after the tests; the caller opens it. */
  function newTransport(address: QueueAddress, sweepId: string): QueueTransport {
    const transport = new QueueTransport({ address, sweepId, runsRoot: tmp, pollMs: 300, log: (l) => logs.push(l) });
    closers.push(() => transport.close());
    return transport;
  }
  /** A started agent with `slots` FakeRunner slots (each epoch `epochMs`), serving `sweep` or any sweep; closed after the tests. */
  async function startAgent(address: QueueAddress, slots: number, epochMs: number, pollMs: number, sweep?: string): Promise<{ runner: FakeRunner; agent: QueueAgent }> {
    const runner = new FakeRunner(slots, epochMs);
    const agent = new QueueAgent({
      address, slots, runner, checkConfig: checkTrainConfig, ...(sweep ? { sweep } : {}), local: { runsRoot: join(tmp, 'agent') }, log: (l) => logs.push(l), pollMs,
    });
    closers.push(() => agent.close());
    await agent.start();
    return { runner, agent };
  }
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('capacity follows the agents that join; a restart of a Redis without persistence loses the queue, yet every trial ends once', async () => {
    const address = parseQueueAddress(server.url);
    const transport = newTransport(address, 'sw-x');
    let grew = 0;
    transport.onCapacity(() => { grew++; });
    await transport.open();
    expect(transport.capacity()).toBe(1); // no agent yet: one trial may wait on the queue for them

    await startAgent(address, 2, 150, 200);
    await until(() => grew > 0, 'the agent\'s slots to be counted');
    expect(transport.capacity()).toBe(2);

    const epochs = new Map<string, number[]>();
    const ends = new Map<string, TrialResult[]>();
    const events: TrialEvents = {
      epoch: (id, r: EpochReport) => epochs.set(id, [...(epochs.get(id) ?? []), r.epoch]),
      end: (id, r) => ends.set(id, [...(ends.get(id) ?? []), r]),
    };
    for (const t of ['t1', 't2', 't3']) transport.start(trialJob('sw-x', t, 5), events);
    expect(transport.capacity()).toBe(-1);
    await until(() => epochs.size > 0, 'a first epoch');
    await server.restart(300); // everything in Redis is gone
    await until(() => ends.size === 3, 'all three trials to end');
    await new Promise((r) => setTimeout(r, 1500)); // a second end would show by now

    for (const t of ['t1', 't2', 't3']) {
      expect(ends.get(t)).toHaveLength(1);
      const r = ends.get(t)![0];
      expect(r.state).toBe('finished');
      expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
      expect(epochs.get(t)).toEqual([1, 2, 3, 4, 5]); // a rerun's repeated epochs are not passed on twice
      expect(JSON.parse(readFileSync(join(r.runDir!, 'status.json'), 'utf8')).state).toBe('finished');
      expect(JSON.parse(readFileSync(join(r.runDir!, 'config.json'), 'utf8'))).toMatchObject({ sweep: 'sw-x', trial: t });
    }
    expect(logs.some((l) => /no longer on the queue; adding it again/.test(l))).toBe(true);
    expect(transport.capacity()).toBe(2);
  }, 60000);

  test('an agent whose sweep leaves the open list while its trials run (a Redis that lost its data) takes no more trials than its slots', async () => {
    const address = parseQueueAddress(server.url);
    const transport = newTransport(address, 'sw-v');
    await transport.open();
    const { runner } = await startAgent(address, 2, 400, 100, 'sw-v');
    const ends = new Map<string, TrialResult[]>();
    let heard = 0;
    const events: TrialEvents = { epoch: () => { heard++; }, end: (id, r) => ends.set(id, [...(ends.get(id) ?? []), r]) };
    for (const t of ['t4', 't5', 't6']) transport.start(trialJob('sw-v', t, 5), events);
    await until(() => heard > 0, 'a first epoch');
    // What the agent sees when Redis comes back empty: its sweep is no longer listed (the
    // controller lists it again within pollMs) while two trials still run in its runner.
    const side = new Redis(address.options);
    closers.push(async () => side.disconnect());
    await side.zrem(SWEEPS_KEY, 'sw-v');
    await until(() => logs.some((l) => l.endsWith('sweep sw-v is closed')), 'the agent to let the sweep go');
    expect(runner.capacity()).toBe(0); // t4 and t5 still run here
    await until(() => ends.size === 3, 'all three trials to end');
    for (const t of ['t4', 't5', 't6']) {
      expect(ends.get(t)).toHaveLength(1);
      expect(ends.get(t)![0]).toMatchObject({ state: 'finished' });
    }
  }, 60000);

  test('an epoch heard after a gap (its predecessors\' events lost) waits for them: the sweep hears every epoch once, in order', async () => {
    const address = parseQueueAddress(server.url);
    const transport = newTransport(address, 'sw-z');
    await transport.open();
    const report = (epoch: number): EpochReport => ({ epoch, loss: 1 / epoch, accuracy: 0.5, val_loss: 1 / epoch, val_accuracy: 0.5 + epoch / 100 });
    // Stands in for an agent whose progress events for epochs 2 and 3 were lost (Redis away): it
    // reports epochs 1 and 4 and then returns the whole history, as an agent's result does.
    const worker = new Worker(queueName('sw-z'), async (job) => {
      await job.updateProgress({ ...report(1) });
      await new Promise((r) => setTimeout(r, 400));
      await job.updateProgress({ ...report(4) });
      await new Promise((r) => setTimeout(r, 400));
      const result: TrialResult = { state: 'finished', history: [1, 2, 3, 4].map(report) };
      return result;
    }, { connection: address.options, prefix: PREFIX });
    closers.push(() => worker.close());
    const heard: number[] = [];
    const ended = new Promise<TrialResult>((resolve) => transport.start(trialJob('sw-z', 't7', 4), {
      epoch: (_id, r) => heard.push(r.epoch),
      end: (_id, r) => resolve(r),
    }));
    const r = await ended;
    expect(heard).toEqual([1, 2, 3, 4]);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
  }, 30000);

  test('a job the agent rejects ends its trial as failed, with the reason in the result and in the run record', async () => {
    const address = parseQueueAddress(server.url);
    const transport = newTransport(address, 'sw-y');
    await transport.open();
    const { runner } = await startAgent(address, 1, 20, 200, 'sw-y');
    const bad = trialJob('sw-y', 't9', 2);
    (bad.config as unknown as Record<string, unknown>).activation = 'relu';
    const ended = new Promise<TrialResult>((resolve) => transport.start(bad, { epoch: () => undefined, end: (_id, r) => resolve(r) }));
    const r = await ended;
    expect(r.state).toBe('failed');
    expect(r.message).toBe('rejected by agent: job.config: activation must be "ReLU" (as train spells it), got "relu"');
    expect(JSON.parse(readFileSync(join(r.runDir!, 'status.json'), 'utf8'))).toMatchObject({ state: 'failed', message: r.message });
    expect(runner.started).toEqual([]);
  }, 30000);
});
