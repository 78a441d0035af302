// Debian's chromium, driven by playwright-core, on the demo page served on loopback: what the browser
// tests share. No browser is downloaded: .ci/run installs the `chromium` package where it is missing.

import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveStatic, webRoot } from '../../lib/node/serve';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless, as root (no sandbox), no GPU, nothing phoning home; playwright adds a fresh profile. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface DemoSession {
  page: Page;
  /** console errors and uncaught exceptions seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Serves dist/web, opens the demo page in a new headless chromium and waits for its models. isolate:
 * false serves it without the cross-origin isolation headers (no shared memory in the page).
 */
export async function openDemo(opts: { isolate?: boolean } = {}): Promise<DemoSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  const { server, url } = await serveStatic({ root: webRoot(), port: 0, isolate: opts.isolate });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.goto(url);
    await page.evaluate(() => (window as unknown as { demo: { ready: Promise<unknown> } }).demo.ready);
    const b = browser;
    return { page, errors, close: async () => { await b.close(); await closeServer(server); } };
  } catch (e) {
    await browser?.close();
    await closeServer(server);
    throw e;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** What the pad's models compute on (web/demo.ts state.drawing). */
export interface Drawing { name: string; shared: boolean; imageKernels: boolean; note?: string }

/**
 * Classifies one 28x28 digit (bytes 0..255) with the page's shipped CNN, counting the calls into the
 * wasm image kernels on the way (each call's result: true when the kernel ran in wasm, false when the
 * layer fell back to TypeScript); the page's own kernels are restored after.
 */
export async function classifyCountingImageKernels(page: Page, digit: number[]): Promise<{ drawing: Drawing; calls: Record<string, boolean[]>; probs: number[] }> {
  await page.check('input[name=which][value=cnn]');
  await drawOnPad(page, digit);
  return page.evaluate(() => {
    type Kernels = Record<string, (...args: unknown[]) => boolean>;
    const demo = (window as unknown as { demo: { state: { drawing: Drawing }; classify(): number[]; backend(): { imageKernels?: Kernels | null } } }).demo;
    const k = demo.backend().imageKernels;
    const calls: Record<string, boolean[]> = {};
    const saved = { ...k };
    if (k) {
      for (const name of Object.keys(k)) {
        k[name] = (...args: unknown[]) => {
          const ran = saved[name](...args);
          (calls[name] ??= []).push(ran);
          return ran;
        };
      }
    }
    try {
      return { drawing: demo.state.drawing, calls, probs: demo.classify() };
    } finally {
      if (k) Object.assign(k, saved);
    }
  });
}

/**
 * Draws one 28x28 digit (bytes 0..255) on the page's pad as a person's strokes would look: white on
 * black, scaled up to the pad's size with smoothing. Nothing is classified yet.
 */
export async function drawOnPad(page: Page, digit: number[]): Promise<void> {
  await page.evaluate((pixels) => {
    const small = new ImageData(28, 28);
    pixels.forEach((v, i) => small.data.set([v, v, v, 255], 4 * i));
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    tmp.getContext('2d')!.putImageData(small, 0, 0);
    const pad = document.getElementById('pad') as HTMLCanvasElement;
    const ctx = pad.getContext('2d')!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, 0, 0, pad.width, pad.height);
  }, digit);
}
