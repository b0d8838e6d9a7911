// `npm start` (roomlink demo) seen in Chromium, as a new user would: the dashboard's URL on
// the first lines, both demo rooms with values and charts within 10 s of the start, values
// that change without a reload, both nodes answering Identify (kitchen-1 through the hub's
// serial link, living-1 over MQTT), and a clean Ctrl-C.
// ROOMLINK_SCREENSHOTS=1 also writes the README's screenshots (docs/dashboard.png,
// docs/dashboard-phone.png) once the charts have some history.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledCli } from '../cli/compiled.js';
import { PROJECT_ROOT } from '../hub/project-root.ts';
import { ensureFirmwareBuilt } from '../tools/toolchain/build.ts';
import { launchChromium, requireChromium, type Browser } from './helpers/chromium.ts';
import { waitFor } from '../bench/helpers/wait.ts';
import type { PageDocument, PageElement } from './helpers/page-dom.ts';

const ok = requireChromium();
const SCREENSHOTS = process.env.ROOMLINK_SCREENSHOTS === '1';

declare const document: PageDocument;

describe.skipIf(!ok)('npm start in Chromium', () => {
  let browser: Browser;
  let demo: ChildProcess;
  let out = '';
  let err = '';
  let started = 0;
  let url = '';
  const shots = mkdtempSync(join(tmpdir(), 'roomlink-shots-'));

  beforeAll(async () => {
    // What a first `npm start` also does, done before the clock starts: compile the hub and
    // the firmware (both are kept until a source changes), and start the browser.
    await Promise.all([compiledCli(), ensureFirmwareBuilt()]);
    browser = await launchChromium();
    started = Date.now();
    demo = spawn(process.execPath, ['cli/bin.js', 'demo', '--port', '0', '--http', '127.0.0.1:0', '--plain'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (d) => (out += d));
    demo.stderr!.on('data', (d) => (err += d));
  });

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
    rmSync(shots, { recursive: true, force: true });
  });

  it('prints the dashboard URL on its first lines, and shows both rooms with values and charts within 10 s of the start', async () => {
    url = await waitFor('the dashboard URL', () => /^Dashboard: (http:\/\/127\.0\.0\.1:\d+)/m.exec(out)?.[1], 10_000, 10);
    const lines = out.split('\n');
    expect(lines.findIndex((l) => l.startsWith('Dashboard: '))).toBeLessThan(3);
    const page = await browser.page();
    await page.goto(url);
    const kitchen = page.locator('section.room[data-room="kitchen"]');
    const living = page.locator('section.room[data-room="living_room"]');
    await waitFor(
      'both rooms with every value and a drawn chart each',
      () =>
        page.evaluate(() => {
          const rows = [...document.querySelectorAll('.reading')];
          const keys = rows.map((r) => r.dataset.key ?? '').sort();
          const complete = rows.every(
            (r) =>
              r.querySelector('.value')!.textContent!.trim() !== '' &&
              r.querySelector('.chart canvas') &&
              Number(r.querySelector('.chart')!.dataset.points) >= 1,
          );
          // The kitchen's CO2 and PM may come later (the PMS5003's fan needs 30 s): present or not yet.
          const need = ['kitchen/humidity', 'kitchen/motion', 'kitchen/temperature', 'living_room/pressure', 'living_room/temperature'];
          const later = ['kitchen/carbon_dioxide', 'kitchen/pm1', 'kitchen/pm10', 'kitchen/pm25'];
          return complete && need.every((k) => keys.includes(k)) && keys.every((k) => need.includes(k) || later.includes(k));
        }),
      15_000,
      50,
    );
    const ms = Date.now() - started;
    console.info(`npm start to both rooms with values and charts in Chromium: ${ms} ms`);
    expect(ms).toBeLessThan(10_000);
    expect(await kitchen.locator('h3').textContent()).toBe('Kitchen');
    expect(await living.locator('h3').textContent()).toBe('Living Room');
    expect(await kitchen.locator('[data-measurement="temperature"] .value').textContent()).toMatch(/^-?\d+\.\d °C$/);
    expect(await living.locator('[data-measurement="pressure"] .value').textContent()).toMatch(/^1,?\d{3}\.\d hPa$/);
    expect(await page.locator('#connection').textContent()).toBe('Live');

    // Live: the next reading (every 5 s) lands on the open page, chart included.
    const points = () => page.locator('[data-key="living_room/temperature"] .chart').getAttribute('data-points').then(Number);
    const before = await points();
    await expect.poll(points, { timeout: 12_000 }).toBeGreaterThan(before);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('has both nodes answer Identify: kitchen-1 through the serial link, living-1 over MQTT', async () => {
    const page = await browser.page();
    await page.goto(url);
    await page.waitForSelector('body[data-ready]');
    for (const [node, how] of [
      ['kitchen-1', /^identify: sent to demo:kitchen-1; kitchen-1 answered after \d+\.\d s$/],
      ['living-1', /^identify: published to roomlink\/living-1\/set; living-1 answered after \d+\.\d s$/],
    ] as const) {
      const card = page.locator(`article.node[data-node="${node}"]`);
      expect(await card.locator('.status').textContent()).toBe('online');
      await card.locator('button[data-action="identify"]').click();
      await expect.poll(() => card.locator('.result').textContent(), { timeout: 10_000 }).toMatch(how);
    }
    expect(await page.locator('article.node[data-node="kitchen-1"] .row-transport dd').textContent()).toBe('USB serial');
    expect(await page.locator('article.node[data-node="living-1"] .row-transport dd').textContent()).toBe('WiFi');
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('takes the screenshots (written to docs/ with ROOMLINK_SCREENSHOTS=1)', async () => {
    if (SCREENSHOTS) {
      // Enough history for the charts to say something: a minute and a half of readings.
      await waitFor('90 s of readings', () => Date.now() - started > 90_000, 100_000, 500);
    }
    const targets: [string, { width: number; height: number }, string | undefined][] = [
      ['dashboard.png', { width: 1024, height: 760 }, undefined],
      ['dashboard-nodes.png', { width: 1024, height: 760 }, '#nodes'],
      ['dashboard-phone.png', { width: 390, height: 780 }, undefined],
    ];
    for (const [name, viewport, section] of targets) {
      const page = await browser.page(viewport);
      await page.goto(url + (section ?? ''));
      await page.waitForSelector('body[data-ready]');
      // kitchen: temperature, humidity, motion, CO2, PM1, PM2.5, PM10 (PM from 30 s on: the fan); living room: 2.
      await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length === 9, undefined, { timeout: 60_000 });
      if (section) await page.locator(section).evaluate((el: PageElement) => el.scrollIntoView());
      const dir = SCREENSHOTS ? join(PROJECT_ROOT, 'docs') : shots;
      mkdirSync(dir, { recursive: true });
      const file = join(dir, name);
      await page.screenshot({ path: file });
      const png = readFileSync(file);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // Small enough for the README (and for git).
      expect(png.length).toBeLessThan(250_000);
      console.info(`${file}: ${png.length} bytes`);
      await page.close();
    }
  }, 180_000);

  it('stops on Ctrl-C with exit code 0', async () => {
    const code = await new Promise<number | null>((resolve) => {
      demo.once('exit', resolve);
      demo.kill('SIGINT');
    });
    expect(code, err.slice(-2000)).toBe(0);
    expect(err).not.toMatch(/Error|ERROR/);
  });
});
