// The resume guarantee, for real: `scratchnet sweep` (built CLI, its own process group) is killed
// with SIGKILL (the whole group, workers included) or interrupted with SIGINT in the middle of its
// trials, then `--resume` finishes it: no finished trial runs again or changes, interrupted ones
// run again, the count is honoured, and every run record ends with a final status.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SweepState } from '../../lib/sweep/state';

const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-kill-'));
const file = join(tmp, 'tiny.yaml');
writeFileSync(file, `method: bayes
metric: {name: val_accuracy, goal: maximize}
parameters:
  epochs: {value: 12}
  num_layers: {values: [1, 2]}
  hidden_size: {values: [16, 32]}
  learning_rate: {min: 1.0e-4, max: 1.0e-2, distribution: log_uniform_values}
`);
const COUNT = 6;
const args = (out: string) => ['--workers', '2', '--train-limit', '2000', '--test-limit', '200', '--out', out];

function stateOf(out: string): SweepState | null {
  const dir = join(out, 'scratchnet', 'sweeps');
  if (!existsSync(dir)) return null;
  const f = readdirSync(dir).find((x) => x.endsWith('.json'));
  try {
    return f ? JSON.parse(readFileSync(join(dir, f), 'utf8')) : null;
  } catch {
    return null;
  }
}

function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a sweep in its own process group and signals the group once ≥ 1 trial finished and ≥ 1 runs. */
async function interruptMidway(out: string, signal: NodeJS.Signals): Promise<{ code: number | null; sig: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'sweep', file, '--count', String(COUNT), ...args(out)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  for (let i = 0; i < 2400; i++) {
    const s = stateOf(out);
    if (s && s.trials.some((t) => t.state === 'finished') && s.trials.some((t) => t.state === 'running' && t.history.length > 0)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  process.kill(-child.pid!, signal);
  const r = await exited;
  // Nothing of the group may survive (workers included); give SIGINT's cleanup a moment.
  for (let i = 0; i < 100 && alive(child.pid!); i++) await new Promise((res) => setTimeout(res, 50));
  expect(alive(child.pid!)).toBe(false);
  return { ...r, stderr };
}

function resumeAndCheck(out: string, before: SweepState) {
  const finishedBefore = before.trials.filter((t) => t.state === 'finished');
  const interrupted = before.trials.filter((t) => t.state === 'running' || t.state === 'killed');
  expect(finishedBefore.length).toBeGreaterThan(0);
  expect(interrupted.length).toBeGreaterThan(0);
  const r = spawnSync(process.execPath, [BIN, 'sweep', '--resume', before.id, ...args(out)], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120000 });
  expect([r.status, r.stderr]).toEqual([0, '']);
  const after = stateOf(out)!;
  expect(after.trials).toHaveLength(COUNT);
  expect(after.trials.every((t) => t.state === 'finished')).toBe(true);
  // Finished trials are untouched: same record, byte for byte.
  for (const t of finishedBefore) expect(after.trials.find((x) => x.id === t.id)).toEqual(t);
  // An interrupted trial runs again (attempt + 1), unless its run had finished a moment before the
  // interruption was recorded: then it keeps that run (same attempt) and is not run twice.
  const kept = interrupted.filter((t) => after.trials.find((x) => x.id === t.id)!.attempt === t.attempt);
  const rerun = interrupted.filter((t) => !kept.includes(t));
  for (const t of rerun) expect(after.trials.find((x) => x.id === t.id)!.attempt).toBe(t.attempt + 1);
  expect(rerun.length).toBeGreaterThan(0);
  expect(r.stdout).toContain(`resuming: ${rerun.length} interrupted trial(s) will run again`);
  if (kept.length) expect(r.stdout).toContain(`resuming: ${kept.length} trial(s) had ended before the interruption`);
  // Every run record has a final status: COUNT finished, and a killed one for each rerun trial
  // that had started its run (one handed to a worker a moment before the kill may not have).
  const runsDir = join(out, 'scratchnet');
  const states = readdirSync(runsDir).filter((d) => d !== 'sweeps' && !d.startsWith('.')).map((d) => JSON.parse(readFileSync(join(runsDir, d, 'status.json'), 'utf8')).state);
  expect(states.filter((s) => s === 'finished')).toHaveLength(COUNT);
  const killed = states.filter((s) => s === 'killed').length;
  expect(killed >= 1 && killed <= rerun.length).toBe(true);
  expect(states).toHaveLength(COUNT + killed);
}

test('kill -9 of the whole process group, then --resume', async () => {
  const out = join(tmp, 'kill9');
  const r = await interruptMidway(out, 'SIGKILL');
  expect(r.sig).toBe('SIGKILL');
  const before = stateOf(out)!;
  expect(before.trials.some((t) => t.state === 'running')).toBe(true); // nobody had a chance to say otherwise
  resumeAndCheck(out, before);
}, 180000);

test('Ctrl-C (SIGINT to the group): interrupted trials are recorded as killed, then --resume', async () => {
  const out = join(tmp, 'sigint');
  const r = await interruptMidway(out, 'SIGINT');
  expect(r.code).toBe(130);
  expect(r.stderr).toMatch(/SIGINT: sweep \w+ stopped; continue it with: npx scratchnet sweep --resume \w+/);
  const before = stateOf(out)!;
  expect(before.trials.some((t) => t.state === 'running')).toBe(false);
  expect(before.trials.some((t) => t.state === 'killed')).toBe(true);
  resumeAndCheck(out, before);
}, 180000);
