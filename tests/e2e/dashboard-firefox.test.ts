/**
 * A smoke test in Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi, against the
 * all-in-one with its built-in simulator: the overview fills with device cards whose values move,
 * the connection indicator reads `live`, and a device page draws its chart.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FirefoxHandle, launchFirefox } from '../helpers/firefox.ts';
import { startDashboardVigil, VIEWPORTS, type DashboardVigil } from './support.ts';

const SIM = ['sim-001', 'sim-002'];
const VALUE = '[data-device="sim-001"] [data-testid="metric-value"][data-metric="temperature"]';

let server: DashboardVigil;
let firefox: FirefoxHandle;
let page: Page;
const errors: string[] = [];

/** Waits until the element matching `selector` shows exactly `text`. */
async function shows(selector: string, text: string, timeout = 5_000): Promise<void> {
  await page.waitForFunction(
    (s, t) => [...document.querySelectorAll(s)].some((el) => el.textContent?.trim() === t),
    { timeout },
    selector,
    text,
  );
}

beforeAll(async () => {
  server = await startDashboardVigil({ SIM_DEVICES: String(SIM.length) });
  firefox = await launchFirefox();
  page = await firefox.browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.setViewport(VIEWPORTS.desktop);
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${String(err)}`));
}, 60_000);

afterAll(async () => {
  await firefox?.close();
  await server?.dispose();
});

describe('dashboard in Firefox ESR', () => {
  it('shows live device cards, then a device page with its chart, without console errors', async () => {
    await page.goto(server.url);
    await shows('[data-testid="connection-status"]', 'live');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="device-card"]').length === n, {}, SIM.length);
    const ids = await page.$$eval('[data-testid="device-card"]', (cards) => cards.map((c) => c.getAttribute('data-device')));
    expect(ids.sort()).toEqual(SIM);

    // The simulator publishes every second: the shown temperature must move on its own.
    const before = await page.waitForSelector(VALUE).then((el) => el!.evaluate((e) => e.textContent));
    await page.waitForFunction((s, was) => document.querySelector(s)?.textContent !== was, { timeout: 5_000 }, VALUE, before);

    // Open the device page the way an operator does, from the card.
    await page.click('[data-device="sim-001"] a');
    await page.waitForFunction(() => location.pathname === '/devices/sim-001');
    const canvas = '[data-testid="chart"] canvas';
    await page.waitForSelector(canvas);
    // Chart.js has drawn the series, not just its axes: pixels in the line's colour (--chart-line).
    await page.waitForFunction(
      (s) => {
        const el = document.querySelector<HTMLCanvasElement>(s);
        if (!el || el.width === 0) return false;
        const probe = document.createElement('canvas').getContext('2d')!;
        probe.fillStyle = getComputedStyle(el).getPropertyValue('--chart-line').trim();
        probe.fillRect(0, 0, 1, 1);
        const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
        const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
        let line = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 40) line++;
        }
        return line > 50;
      },
      { timeout: 8_000, polling: 250 },
      canvas,
    );
    await shows('[data-testid="connection-status"]', 'live');
    expect(errors).toEqual([]);
  });
});
