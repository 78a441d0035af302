// The agent against a stub controller on a private, password-protected redis-server: the test puts
// jobs on a sweep's queue with BullMQ's Queue and listens with QueueEvents, as the controller does.
// Trials run on FakeRunner (no training), so what is tested is the queue side: checking jobs,
// rejecting bad ones, progress per epoch, results, stop requests, a trial handed on when its agent
// goes away, and the password never printed.

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { checkTrainConfig } from '../../bin/train-flags';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';
import { QueueAgent } from '../../lib/node/queue/agent';
import { parseQueueAddress } from '../../lib/node/queue/connection';
import { jobId, PREFIX, queueName, REJECTED, stopKey, SWEEPS_KEY } from '../../lib/node/queue/protocol';
import type { TrialJob } from '../../lib/sweep/types';
import { FakeRunner } from './fake-runner';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server';

const PASSWORD = 'pw-Secret/42';

function trialJob(sweepId: string, trialId: string, over: Partial<TrialJob['config']> = {}): TrialJob {
  return {
    sweepId, trialId, attempt: 1, metric: 'val_accuracy', runsRoot: '/somewhere/else',
    config: { ...DEFAULT_CONFIG, epochs: 3, ...over },
    data: { dataset: 'mnist', trainLimit: 500, testLimit: 100, splitSeed: 1, dataDir: '/not/here' },
  };
}

describeWithRedis('scratchnet agent on a Redis queue', () => {
  let server: RedisServer;
  let redis: Redis;
  const logs: string[] = [];
  const agents: QueueAgent[] = [];
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    redis = new Redis(parseQueueAddress(server.url).options);
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.close();
  });
  afterAll(async () => {
    for (const c of closers) await c();
    redis?.disconnect();
    await server?.stop();
  });

  async function openSweep(sweepId: string) {
    const address = parseQueueAddress(server.url);
    const queue = new Queue(queueName(sweepId), { connection: address.options, prefix: PREFIX });
    const events = new QueueEvents(queueName(sweepId), { connection: address.options, prefix: PREFIX });
    closers.push(() => queue.close(), () => events.close());
    await events.waitUntilReady();
    await redis.zadd(SWEEPS_KEY, Date.now(), sweepId);
    return { queue, events };
  }

  function agent(slots: number, runner: FakeRunner, sweep?: string): QueueAgent {
    const a = new QueueAgent({
      address: parseQueueAddress(server.url), slots, runner, checkConfig: checkTrainConfig, sweep,
      local: { runsRoot: '/agent/runs', dataDir: '/agent/data' }, log: (l) => logs.push(l), pollMs: 200,
    });
    agents.push(a);
    return a;
  }

  test('runs valid trials (epochs as progress, the result as return value), rejects bad ones without running them', async () => {
    const sweepId = 'sw-a';
    const { queue, events } = await openSweep(sweepId);
    const progress: Array<{ jobId: string; epoch: number }> = [];
    events.on('progress', ({ jobId: id, data }) => progress.push({ jobId: id, epoch: (data as { epoch: number }).epoch }));
    const runner = new FakeRunner(2);
    await agent(2, runner).start();

    const good = ['t1', 't2', 't3'].map((t, i) => trialJob(sweepId, t, { learning_rate: 0.001 * (i + 1) }));
    const bad: Array<[string, unknown, RegExp]> = [
      ['b1', { ...trialJob(sweepId, 'b1'), command: 'rm -rf /' }, /unknown key 'command'/],
      ['b2', trialJob(sweepId, 'b2', { activation: 'ReLU; touch /tmp/x' as never }), /activation/],
      ['b3', { ...trialJob(sweepId, 'b3'), config: { ...DEFAULT_CONFIG, require: 'child_process' } }, /'require' is not a train setting/],
      ['b4', trialJob(sweepId, 'b4', { epochs: 0 }), /epochs must be an integer/],
      ['b5', trialJob('other', 'b5'), /not this queue's sweep/],
    ];
    const jobs = [
      ...good.map((j) => queue.add(j.trialId, j, { jobId: jobId(j.trialId) })),
      ...bad.map(([t, data]) => queue.add(t, data, { jobId: jobId(t) })),
    ];
    const added = await Promise.all(jobs);
    const results = await Promise.allSettled(added.map((j) => j.waitUntilFinished(events, 20000)));

    for (let i = 0; i < good.length; i++) {
      const r = results[i];
      expect(r.status).toBe('fulfilled');
      const value = (r as PromiseFulfilledResult<{ state: string; value: number; history: unknown[] }>).value;
      expect(value.state).toBe('finished');
      expect(value.history).toHaveLength(3);
      expect(value.value).toBeCloseTo(good[i].config.learning_rate * 100 + 0.3, 10);
      expect(progress.filter((p) => p.jobId === jobId(good[i].trialId)).map((p) => p.epoch)).toEqual([1, 2, 3]);
    }
    for (let i = 0; i < bad.length; i++) {
      const r = results[good.length + i];
      expect(r.status).toBe('rejected');
      const reason = ((r as PromiseRejectedResult).reason as Error).message;
      expect(reason.startsWith(REJECTED)).toBe(true);
      expect(reason).toMatch(bad[i][2]);
    }
    // Only the valid trials ran, with this machine's folders in place of the job's.
    expect(runner.started.map((j) => j.trialId).sort()).toEqual(['t1', 't2', 't3']);
    for (const j of runner.started) expect([j.runsRoot, j.data.dataDir]).toEqual(['/agent/runs', '/agent/data']);
    // A rejected job is not retried.
    expect(await queue.getJobState(jobId('b1'))).toBe('failed');
    expect(logs.some((l) => l.includes('rejected job trial-b1') && l.includes("unknown key 'command'"))).toBe(true);
    await redis.zrem(SWEEPS_KEY, sweepId);
  });

  test('stops a trial the controller asked to stop, after its current epoch', async () => {
    const sweepId = 'sw-b';
    const { queue, events } = await openSweep(sweepId);
    const runner = new FakeRunner(1, 100);
    await agent(1, runner, sweepId).start();
    events.on('progress', ({ data }) => {
      if ((data as { epoch: number }).epoch === 2) void redis.sadd(stopKey(sweepId), 't1');
    });
    const job = await queue.add('t1', trialJob(sweepId, 't1', { epochs: 10 }), { jobId: jobId('t1') });
    const result = await job.waitUntilFinished(events, 20000);
    expect(result.state).toBe('stopped-early');
    expect(result.history.length).toBeGreaterThanOrEqual(2);
    expect(result.history.length).toBeLessThan(10);
    await redis.zrem(SWEEPS_KEY, sweepId);
  });

  test('a trial whose agent goes away mid-trial stalls and runs to its end on another agent', async () => {
    const sweepId = 'sw-c';
    const { queue, events } = await openSweep(sweepId);
    const first = new FakeRunner(1, 300);
    const a = agent(1, first, sweepId);
    await a.start();
    const gotEpoch = new Promise<void>((resolve) => events.on('progress', () => resolve()));
    const job = await queue.add('t1', trialJob(sweepId, 't1', { epochs: 4 }), { jobId: jobId('t1') });
    await gotEpoch;
    await a.close(); // stops renewing the lock without finishing the job, as a killed agent would
    const second = new FakeRunner(1, 50);
    await agent(1, second, sweepId).start();
    const result = await job.waitUntilFinished(events, 40000);
    expect(result.state).toBe('finished');
    expect(first.started.map((j) => j.trialId)).toEqual(['t1']);
    expect(second.started.map((j) => j.trialId)).toEqual(['t1']);
    await redis.zrem(SWEEPS_KEY, sweepId);
  }, 60000);

  test('an agent moves on to the next open sweep when the one it serves closes', async () => {
    const runner = new FakeRunner(1, 20);
    const a = agent(1, runner);
    const s1 = await openSweep('sw-d1');
    const s2 = await openSweep('sw-d2');
    await a.start();
    expect(a.sweep).toBe('sw-d1');
    await redis.zrem(SWEEPS_KEY, 'sw-d1');
    const job = await s2.queue.add('t1', trialJob('sw-d2', 't1', { epochs: 1 }), { jobId: jobId('t1') });
    expect((await job.waitUntilFinished(s2.events, 20000)).state).toBe('finished');
    expect(a.sweep).toBe('sw-d2');
    void s1;
  });

  test('the password appears in no log line', () => {
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.filter((l) => l.includes(PASSWORD) || l.includes(encodeURIComponent(PASSWORD)))).toEqual([]);
    expect(logs.some((l) => l.includes(':***@127.0.0.1'))).toBe(true);
  });
});
