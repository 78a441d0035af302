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

/** Serves dist/web, opens the demo page in a new headless chromium and waits for its models. */
export async function openDemo(): Promise<DemoSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  const { server, url } = await serveStatic({ root: webRoot(), port: 0 });
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
