// SPDX-License-Identifier: AGPL-3.0-or-later
// Headless Chromium through playwright-core for the browser tests and benchmarks: the Debian
// package's /usr/bin/chromium (or $CHROMIUM), a fresh profile each launch.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Launches Chromium: `{ browser, page(url), close() }`. */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'webfn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  return {
    async page(url) {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          console.error(`[chromium ${message.type()}] ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => console.error(`[chromium page error] ${error.message}`));
      await page.goto(url);
      await page.waitForFunction(() => window.pageReady === true);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
