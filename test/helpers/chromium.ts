// Debian's chromium driven by playwright-core (which downloads no browser of its own), for
// the dashboard's browser tests. Each launch gets a fresh profile directory, removed at close;
// the flags keep chromium from phoning home (it would flood a closed network with retries).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireTools, toolPath } from '../../bench/helpers/tools.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when chromium is installed; in CI (CI=true) a missing one fails instead. */
export function requireChromium(): boolean {
  return requireTools('chromium');
}

export interface Browser {
  context: BrowserContext;
  /** A new tab, with console errors, failed requests and page errors collected. */
  page(viewport?: { width: number; height: number }): Promise<Page & { problems: string[] }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'roomlink-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: toolPath('chromium'),
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    async page(viewport) {
      const page = (await context.newPage()) as Page & { problems: string[] };
      page.problems = [];
      if (viewport) await page.setViewportSize(viewport);
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') page.problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
