// The report in a real browser (Debian's chromium, driven by playwright-core; .ci/run installs it):
// the page the CLI writes loads offline with no console errors, every chart renders, the table
// sorts, and brushing an axis of the parallel-coordinates plot filters the table. Skipped only
// where no Chromium is installed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Rng } from '../../lib/rng';
import { parseSweepText, validateSweepConfig } from '../../lib/sweep/schema';
import { newSweep } from '../../lib/node/sweep/sweep';
import { checkTrainValue, SWEEP_PARAMS } from '../../bin/commands/sweep';

const CHROMIUM = '/usr/bin/chromium';
const BIN = join(__dirname, '..', '..', 'dist', 'bin', 'scratchnet.js');
const describeIf = existsSync(CHROMIUM) ? describe : describe.skip;

/** A sweep state with 30 made-up trials (no training): values depend on the optimizer and rate. */
function fakeSweep(runs: string): string {
  const config = validateSweepConfig(parseSweepText(readFileSync(join(__dirname, '..', '..', 'examples', 'sweeps', 'assignment.yaml'), 'utf8')), SWEEP_PARAMS, checkTrainValue);
  const s = newSweep({ config, count: 30, seed: 1, runsRoot: runs, data: { trainLimit: 1000 }, id: 'fake0001' });
  const rng = new Rng(4);
  const states = ['finished', 'finished', 'finished', 'finished', 'stopped-early', 'diverged'] as const;
  for (let i = 0; i < 30; i++) {
    const params: Record<string, string | number> = {};
    for (const [k, spec] of Object.entries(config.parameters)) params[k] = spec.kind === 'categorical' ? spec.values[rng.int(spec.values.length)] as string : (spec as { value: string }).value;
    const state = states[i % states.length];
    const value = state === 'diverged' ? undefined : 0.5 + 0.3 * rng.uniform() + (params.optimizer === 'adam' ? 0.1 : 0);
    const t = new Date(Date.UTC(2026, 0, 1, 12, i * 2)).toISOString();
    s.trials.push({ id: `t${String(i + 1).padStart(4, '0')}`, params, state, attempt: 1, created: t, started: t, ended: t, history: [], value, result: { test_accuracy: value && value - 0.01 } });
  }
  mkdirSync(join(runs, s.project, 'sweeps'), { recursive: true });
  writeFileSync(join(runs, s.project, 'sweeps', `${s.id}.json`), JSON.stringify(s));
  return s.id;
}

describeIf('report in Chromium', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'scratchnet-report-'));
  const out = join(tmp, 'report.html');
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const id = fakeSweep(join(tmp, 'runs'));
    const r = spawnSync(process.execPath, [BIN, 'report', '--sweep', id, '--runs', join(tmp, 'runs'), '--out', out], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    // playwright gives each launch a fresh temporary profile (its own --user-data-dir).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
    // Offline: any request that is not the file itself fails the test.
    await page.route('**/*', (route) => {
      if (route.request().url() === `file://${out}`) void route.continue();
      else { errors.push(`request: ${route.request().url()}`); void route.abort(); }
    });
    await page.goto(`file://${out}`, { waitUntil: 'load' });
  }, 60000);

  afterAll(async () => { await browser?.close(); });

  const rowsShown = () => page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-id')!));

  test('loads with no console errors and no requests', () => {
    expect(errors).toEqual([]);
  });

  test('every chart renders', async () => {
    expect(await page.$$eval('#scatter svg circle.pt', (c) => c.length)).toBe(25); // the 5 diverged trials have no value
    expect(await page.$$eval('#parallel svg path.run', (p) => p.length)).toBe(25);
    expect(await page.$$eval('#parallel svg g.axis', (g) => g.length)).toBe(10); // 9 varying parameters + the metric
    expect(await page.$$eval('#importance svg rect[fill="#4c78a8"]', (r) => r.length)).toBe(9);
    expect(await page.$eval('#trainline', (e) => e.textContent)).toMatch(/^npx scratchnet train .*--train-limit 1000$/);
    expect((await rowsShown()).length).toBe(30);
  });

  test('clicking a header sorts the table', async () => {
    await page.click('#runs th[data-key="id"]');
    expect(await rowsShown()).toEqual(Array.from({ length: 30 }, (_, i) => `t${String(i + 1).padStart(4, '0')}`));
    await page.click('#runs th[data-key="id"]');
    expect((await rowsShown())[0]).toBe('t0030');
  });

  test('brushing the metric axis filters the table to the runs in the brushed range', async () => {
    const area = (await page.$('#parallel rect.brush-area[data-axis="val_accuracy"]'))!;
    await area.scrollIntoViewIfNeeded();
    const box = (await area.boundingBox())!;
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height * 0.3, { steps: 5 });
    await page.mouse.move(x, box.y + box.height * 0.45, { steps: 5 });
    await page.mouse.up();
    const shown = await rowsShown();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(25);
    // The shown runs are exactly the best ones: every shown value beats every hidden one.
    const value = (id: string) => page.$eval(`#runs tr[data-id="${id}"] td:nth-child(3)`, (td) => Number(td.textContent));
    const shownValues = await Promise.all(shown.map(value));
    const state = JSON.parse(readFileSync(join(tmp, 'runs', 'scratchnet', 'sweeps', 'fake0001.json'), 'utf8'));
    const hidden = state.trials.filter((t: { id: string; value?: number }) => !shown.includes(t.id) && t.value !== undefined).map((t: { value: number }) => t.value);
    expect(Math.min(...shownValues)).toBeGreaterThan(Math.max(...hidden));
    expect(await page.$eval('#count', (e) => e.textContent)).toContain(`${shown.length} of 30 runs`);
    // The scatter dims the rest.
    expect(await page.$$eval('#scatter circle.pt[fill-opacity="0.85"]', (c) => c.length)).toBe(shown.length);
    await page.screenshot({ path: join(tmp, 'brushed.png'), fullPage: true });
    // A click on the axis clears its brush.
    await page.mouse.click(x, box.y + box.height * 0.9);
    expect((await rowsShown()).length).toBe(30);
    expect(errors).toEqual([]);
  });
});
