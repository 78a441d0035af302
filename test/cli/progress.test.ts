// The progress bar (cli-progress underneath): drawn on a terminal only, redrawn in place, cleared at
// the end of an epoch, restarted by a new total, and stoppable all at once (its redraw timer must not
// outlive a failed command).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ProgressBar, stopProgressBars } from '../../bin/cli';

/** A terminal-like stream that records what is written. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  s.isTTY = true;
  s.columns = 120;
  let out = '';
  (s as unknown as PassThrough).on('data', (d: Buffer) => (out += d.toString()));
  return { stream: s, text: () => out };
}

afterEach(() => stopProgressBars());

test('draws label, bar, count and extra text on a terminal, and clears its line', () => {
  const t = fakeTerminal();
  const bar = new ProgressBar('train', { stream: t.stream, enabled: true });
  bar.update(0, 10, 'epoch 1');
  expect(t.text()).toContain('train [                              ] 0/10 epoch 1');
  bar.clear();
  const afterClear = t.text().length;
  expect(t.text()).toMatch(/\x1b\[2K|\x1b\[0K|\x1b\[K/); // the line is erased
  bar.update(5, 10, 'epoch 2'); // a new epoch starts the bar again
  expect(t.text().slice(afterClear)).toContain('train [===============               ] 5/10 epoch 2');
});

test('draws nothing when disabled (not a terminal, or CI)', () => {
  const t = fakeTerminal();
  const bar = new ProgressBar('train', { stream: t.stream, enabled: false });
  bar.update(3, 10);
  bar.clear();
  expect(t.text()).toBe('');
  const pipe = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  (pipe as unknown as PassThrough).on('data', (d: Buffer) => (out += d.toString()));
  new ProgressBar('train', { stream: pipe }).update(3, 10); // isTTY unset: a pipe or a file
  expect(out).toBe('');
});

test('stopProgressBars stops every bar still drawing, so no redraw timer keeps the process alive', () => {
  // In a child process: a bar on a terminal-like stream, then (or not) stopProgressBars. Without the
  // stop, cli-progress's redraw timer keeps node running; with it, node exits at once.
  const cli = JSON.stringify(join(__dirname, '..', '..', 'dist', 'bin', 'cli.js'));
  const script = (stop: boolean) => `
    const { PassThrough } = require('node:stream');
    const { ProgressBar, stopProgressBars } = require(${cli});
    const s = new PassThrough(); s.isTTY = true; s.columns = 80; s.resume();
    new ProgressBar('a', { stream: s, enabled: true }).update(1, 4);
    new ProgressBar('b', { stream: s, enabled: true }).update(2, 4);
    ${stop ? 'stopProgressBars();' : ''}`;
  const run = (stop: boolean) => spawnSync(process.execPath, ['-e', script(stop)], { timeout: 3000 });
  expect(run(true).status).toBe(0);
  expect(run(false).error?.message).toMatch(/ETIMEDOUT/); // the control: a bar left drawing hangs
});
