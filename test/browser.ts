import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestApp } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, headless; a missing one fails in one line that says what to do. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    const missing = new Error(`chromium not found at ${CHROMIUM}: apt-get install chromium`);
    missing.stack = missing.message;
    throw missing;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Starts the app's HTTP server on a free loopback port; answers its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
}

/** Where a test saves a screenshot: test/artifacts/ (gitignored). */
export const artifact = (name: string) =>
  fileURLToPath(new URL(`./artifacts/${name}`, import.meta.url));
