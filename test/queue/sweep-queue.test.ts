// A sweep across machines, end to end, every part a separate process as a user runs it: one
// password-protected redis-server (private, loopback, temporary folder, append-only persistence),
// `scratchnet sweep --queue` as the controller and three `scratchnet agent`s. Then each fault of
// the issue, really done: an agent killed with SIGKILL mid-trial, Redis restarted mid-sweep, the
// controller killed with SIGKILL and resumed. After each: every trial recorded exactly once, all
// finished, and the password in no record, log or output. Tiny trials (--train-limit).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD_ENV } from '../../lib/node/queue/connection';
import { describeWithRedis, startRedis, type RedisServer } from './redis-server';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const PASSWORD = 'q-Pa55/word';
const SLICE = ['--train-limit', '1500', '--test-limit', '200'];

interface Proc {
  proc: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

const procs: Proc[] = [];

function run(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { proc, out: '', exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))) };
  proc.stdout!.on('data', (c: Buffer) => { p.out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { p.out += c.toString(); });
  procs.push(p);
  return p;
}

/** Resolves when the process has printed text matching re (fails after ms). */
async function waitFor(p: Proc, re: RegExp, ms = 60000): Promise<RegExpMatchArray> {
  const t0 = Date.now();
  for (;;) {
    const m = p.out.match(re);
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`no ${re} within ${ms} ms in:\n${p.out}`);
    if (p.proc.exitCode !== null) throw new Error(`process exited (${p.proc.exitCode}) before ${re}:\n${p.out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describeWithRedis('a sweep on a Redis queue: controller and three agents as processes, and the three faults', () => {
  let server: RedisServer;
  let tmp: string;
  let sweepFile: string;
  const agents: Proc[] = [];
  // The address without its password for the agents (they take it from the environment), with it for the controller.
  let bare: string;

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD });
    bare = `redis://127.0.0.1:${server.port}`;
    tmp = mkdtempSync(join(tmpdir(), 'scratchnet-queue-'));
    sweepFile = join(tmp, 'tiny.yaml');
    writeFileSync(sweepFile, [
      'method: random',
      'metric: {name: val_accuracy, goal: maximize}',
      'parameters:',
      '  dataset: {value: mnist}',
      '  epochs: {value: 4}',
      '  hidden_size: {values: [32, 64]}',
      '  num_layers: {values: [1, 2]}',
      '  learning_rate: {min: 0.0005, max: 0.005, distribution: log_uniform_values}',
      '',
    ].join('\n'));
    for (let i = 0; i < 3; i++) {
      agents.push(run(['agent', '--queue', bare, '--workers', '1', '--out', join(tmp, `agent-${i}`)], { [PASSWORD_ENV]: PASSWORD }));
    }
    await Promise.all(agents.map((a) => waitFor(a, /1 slot\(s\) on redis:\/\/:\*\*\*@127\.0\.0\.1/)));
  });

  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Checks a finished sweep: its state and its run records, one per trial, all finished. */
  function checkSweep(out: string, sweepId: string, count: number) {
    const state = JSON.parse(readFileSync(join(out, 'scratchnet', 'sweeps', `${sweepId}.json`), 'utf8'));
    const ids = state.trials.map((t: { id: string }) => t.id);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expect(state.trials.map((t: { state: string }) => t.state)).toEqual(new Array(count).fill('finished'));
    for (const t of state.trials) expect(t.history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2, 3, 4]);
    const runs = readdirSync(join(out, 'scratchnet')).filter((d) => d !== 'sweeps' && !d.startsWith('.')); // a dot folder is a run being created
    const recorded = runs.map((d) => JSON.parse(readFileSync(join(out, 'scratchnet', d, 'config.json'), 'utf8')).trial).sort();
    expect(recorded).toEqual([...ids].sort());
    for (const d of runs) {
      expect(JSON.parse(readFileSync(join(out, 'scratchnet', d, 'status.json'), 'utf8')).state).toBe('finished');
      expect(readFileSync(join(out, 'scratchnet', d, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    }
    return state;
  }

  /** The trials each agent started, from their logs, as "trial (try n)". */
  function started(sweepId: string): string[] {
    const re = new RegExp(`trial (t\\d+) of sweep ${sweepId} \\(try (\\d+)\\)`, 'g');
    return agents.flatMap((a) => [...a.out.matchAll(re)].map((m) => `${m[1]} (try ${m[2]})`));
  }

  function noPassword(texts: string[]) {
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
    }
  }

  test('an agent killed with SIGKILL mid-trial: its trial stalls, reruns on another agent, and every trial is recorded once', async () => {
    const out = join(tmp, 'runs-kill');
    const controller = run(['sweep', sweepFile, '--count', '9', '--out', out, '--queue', server.url, ...SLICE]);
    const sweepId = (await waitFor(controller, /^sweep (\w+) /m))[1];
    // The first agent to start a trial is killed in the middle of it.
    const victim = await Promise.race(agents.map((a) => waitFor(a, new RegExp(`trial (t\\d+) of sweep ${sweepId}`)).then((m) => ({ a, trial: m[1] }))));
    victim.a.proc.kill('SIGKILL');
    await victim.a.exited;
    agents.splice(agents.indexOf(victim.a), 1);
    expect(await controller.exited).toBe(0);
    checkSweep(out, sweepId, 9);
    // The killed trial ran again on one of the two other agents; no other trial ran twice.
    const reruns = started(sweepId).filter((s) => !s.endsWith('(try 1)'));
    expect(reruns).toEqual([`${victim.trial} (try 2)`]);
    noPassword([controller.out, ...agents.map((a) => a.out), ...filesUnder(out).map((f) => readFileSync(f, 'utf8'))]);
    expect(controller.out).toContain(':***@127.0.0.1');
  }, 110000);

  test('Redis restarted mid-sweep (append-only persistence): agents and controller reconnect and finish', async () => {
    const out = join(tmp, 'runs-redis');
    const controller = run(['sweep', sweepFile, '--count', '8', '--out', out, '--queue', server.url, ...SLICE]);
    const sweepId = (await waitFor(controller, /^sweep (\w+) /m))[1];
    await waitFor(controller, /^t\d+ finished/m);
    await server.restart(1500);
    // Back up with trials still to run: the rest of the sweep runs over the reconnected clients.
    expect((controller.out.match(/^t\d+ finished/gm) ?? []).length).toBeLessThan(8);
    expect(await controller.exited).toBe(0);
    checkSweep(out, sweepId, 8);
    expect(started(sweepId)).toHaveLength(new Set(started(sweepId).map((s) => s.split(' ')[0])).size); // no trial ran twice
    noPassword([controller.out, ...agents.map((a) => a.out)]);
  }, 110000);

  test('the controller killed with SIGKILL and resumed: it takes the results agents finished meanwhile; no trial lost or repeated', async () => {
    const out = join(tmp, 'runs-resume');
    const first = run(['sweep', sweepFile, '--count', '8', '--out', out, '--queue', server.url, ...SLICE]);
    const sweepId = (await waitFor(first, /^sweep (\w+) /m))[1];
    await waitFor(first, /^sweep \w+: 2 done/m);
    first.proc.kill('SIGKILL');
    await first.exited;
    const before = JSON.parse(readFileSync(join(out, 'scratchnet', 'sweeps', `${sweepId}.json`), 'utf8'));
    const inFlight = before.trials.filter((t: { state: string }) => t.state === 'running').map((t: { id: string }) => t.id);
    expect(inFlight.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500)); // agents go on meanwhile
    const second = run(['sweep', '--resume', sweepId, '--out', out, '--queue', bare], { [PASSWORD_ENV]: PASSWORD });
    expect(await second.exited).toBe(0);
    const state = checkSweep(out, sweepId, 8);
    // Trials in flight at the kill were taken where they were, not run again; none ran twice.
    const runs = started(sweepId);
    expect(runs.every((s) => s.endsWith('(try 1)'))).toBe(true);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs.length).toBe(8);
    // Each trial in flight at the kill ends finished: taken over from the queue where it was (attempt
    // + 1), or, when its agent had already written its run record as finished, kept from that record
    // (same attempt; see settledRuns). No trial that was not in flight was taken up again.
    type T = { id: string; attempt: number; state: string };
    const retried = state.trials.filter((t: T) => t.attempt > 1).map((t: T) => t.id);
    expect(retried.filter((id: string) => !inFlight.includes(id))).toEqual([]);
    for (const t of state.trials.filter((x: T) => inFlight.includes(x.id))) expect([t.id, t.state, t.attempt <= 2]).toEqual([t.id, 'finished', true]);
    noPassword([first.out, second.out, ...filesUnder(out).map((f) => readFileSync(f, 'utf8'))]);
  }, 110000);

  test('agents stop on SIGTERM, also while Redis is away', async () => {
    await server.stop();
    for (const a of agents) a.proc.kill('SIGTERM');
    expect(await Promise.all(agents.map((a) => a.exited))).toEqual(agents.map(() => 0));
  }, 30000);
});

describeWithRedis('a sweep over TLS (rediss://) with a password', () => {
  let server: RedisServer;
  let tmp: string;

  beforeAll(async () => {
    server = await startRedis({ password: PASSWORD, tls: true });
    tmp = mkdtempSync(join(tmpdir(), 'scratchnet-queue-tls-'));
  });
  afterAll(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('controller and agent trust the server through NODE_EXTRA_CA_CERTS and finish the sweep', async () => {
    expect(server.url.startsWith('rediss://')).toBe(true);
    const trust = { NODE_EXTRA_CA_CERTS: server.caFile! };
    const file = join(tmp, 'one.yaml');
    writeFileSync(file, 'method: grid\nmetric: {name: val_accuracy, goal: maximize}\nparameters:\n  dataset: {value: mnist}\n  epochs: {value: 1}\n  hidden_size: {values: [16, 32, 48]}\n');
    const agent = run(['agent', '--queue', server.url.replace(`:${encodeURIComponent(PASSWORD)}@`, ''), '--workers', '1', '--out', join(tmp, 'agent')], { ...trust, [PASSWORD_ENV]: PASSWORD });
    await waitFor(agent, /1 slot\(s\) on rediss:\/\/:\*\*\*@127\.0\.0\.1/);
    const out = join(tmp, 'runs');
    const controller = run(['sweep', file, '--out', out, '--queue', server.url, ...SLICE], trust);
    expect(await controller.exited).toBe(0);
    const state = JSON.parse(readFileSync(join(out, 'scratchnet', 'sweeps', `${controller.out.match(/^sweep (\w+) /m)![1]}.json`), 'utf8'));
    expect(state.trials.map((t: { state: string }) => t.state)).toEqual(['finished', 'finished', 'finished']);
    for (const text of [agent.out, controller.out]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toMatch(/certificate|DeprecationWarning/i);
    }
  }, 60000);
});
