/**
 * The dashboard's views in headless Chromium against the all-in-one with its built-in simulator
 * (three devices, one reading a second each): the overview fills and ticks, sorts and filters
 * with its state in the URL; a device page draws its charts, deep-links to the same view in a
 * fresh page, exports CSV and lists the device's rejected messages. Screenshots of both views.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { canvasInk, screenshots, shows, startDashboardVigil, VIEWPORTS, watchConsole, type DashboardVigil } from './support.ts';

const SIM = ['sim-001', 'sim-002', 'sim-003'];

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let mqtt: MqttClient;

const card = (id: string): Locator => page.locator(`[data-testid="device-card"][data-device="${id}"]`);
const cardIds = () => page.getByTestId('device-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-device')));

beforeAll(async () => {
  // The simulator publishes every second, so only a device that stopped becomes stale.
  server = await startDashboardVigil({ SIM_DEVICES: String(SIM.length), STALE_AFTER: '3s' });
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  // Fail at the step that is stuck, well inside the test's own timeout.
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  errors = watchConsole(page);
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('dashboard views', () => {
  it('fills the overview with the simulated devices, whose values change live, without console errors', async () => {
    await page.goto(server.url);
    await shows(page.getByTestId('connection-status'), 'live', 5_000);
    await page
      .getByTestId('device-card')
      .nth(SIM.length - 1)
      .waitFor({ timeout: 5_000 });
    expect((await cardIds()).sort()).toEqual(SIM);
    for (const id of SIM) await shows(card(id).getByTestId('device-status'), 'online', 5_000);

    // The simulator publishes every second: the shown temperature must move on its own.
    const value = card('sim-001').locator('[data-testid="metric-value"][data-metric="temperature"]');
    await value.waitFor();
    const before = await value.textContent();
    await page.waitForFunction(
      ([selector, was]) => document.querySelector(selector!)?.textContent !== was,
      ['[data-device="sim-001"] [data-testid="metric-value"][data-metric="temperature"]', before] as const,
      { timeout: 5_000 },
    );
    // And the sparkline has more than one point to draw.
    await card('sim-001').locator('svg path').first().waitFor({ timeout: 5_000 });
    expect(errors).toEqual([]);
  });

  it('filters, narrows by status and sorts, keeping the choice in the URL', async () => {
    await page.getByTestId('device-filter').fill('002');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="device-card"]').length === 1);
    expect(await cardIds()).toEqual(['sim-002']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('002');
    await page.getByTestId('device-filter').fill('');

    // Nothing is stale or offline here: the stale chip shows an empty, explained list.
    await page.getByTestId('status-filter-stale').click();
    await page.getByText('No device matches.').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('stale');
    await page.getByTestId('status-filter-all').click();

    await page.getByTestId('device-sort').selectOption('id');
    expect(new URL(page.url()).searchParams.get('sort')).toBe('id');
    await page.getByTestId('device-card').nth(2).waitFor();
    expect(await cardIds()).toEqual(SIM);

    // The same URL in a fresh page gives the same view.
    await page.getByTestId('device-filter').fill('sim-00');
    const fresh = await context.newPage();
    await fresh.goto(page.url());
    await fresh.getByTestId('device-card').nth(2).waitFor({ timeout: 5_000 });
    expect(await fresh.getByTestId('device-filter').inputValue()).toBe('sim-00');
    expect(await fresh.getByTestId('device-sort').inputValue()).toBe('id');
    await fresh.close();
    expect(errors).toEqual([]);
  });

  it('draws a device chart that is not blank, and a deep link in a fresh page shows the same view', async () => {
    // Ten minutes of earlier temperatures (a gateway's backfill), so the line spans a good part
    // of the chart rather than the last few seconds the simulator has produced.
    const now = Date.now();
    const backfill = Array.from({ length: 120 }, (_, i) => ({
      ts: now - 600_000 + i * 5_000,
      values: { temperature: 20 + 5 * Math.sin(i / 8) },
    }));
    await mqtt.publishAsync('devices/sim-002/telemetry', JSON.stringify(backfill), { qos: 1 });
    await card('sim-002').locator('a').first().click();
    await page.waitForURL('**/devices/sim-002');
    const canvas = page.locator('[data-testid="chart"][data-metric="temperature"] canvas');
    await canvas.waitFor({ timeout: 5_000 });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-metric="temperature"] canvas')?.getAttribute('data-points')) >= 100,
      null,
      { timeout: 5_000 },
    );
    const ink = await canvasInk(canvas, '--chart-line');
    expect(ink.width).toBeGreaterThan(300);
    // A line across a sixth of the chart, not a few stray pixels.
    expect(ink.matching).toBeGreaterThan(150);
    expect(await page.getByTestId('chart').count()).toBe(2);

    // Range and metrics go into the URL.
    await page.getByRole('link', { name: '15m', exact: true }).click();
    await page.waitForURL(/range=15m/);
    await page.locator('[data-testid="metric-toggle"][data-metric="humidity"]').click();
    await page.waitForURL(/metrics=temperature/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="chart"]').length === 1);
    const link = page.url();
    expect(new URL(link).pathname).toBe('/devices/sim-002');
    expect(new URL(link).searchParams.get('range')).toBe('15m');
    expect(new URL(link).searchParams.get('metrics')).toBe('temperature');

    const fresh = await (await browser.newContext({ viewport: VIEWPORTS.desktop })).newPage();
    const freshErrors = watchConsole(fresh);
    await fresh.goto(link);
    const freshCanvas = fresh.locator('[data-testid="chart"][data-metric="temperature"] canvas');
    await freshCanvas.waitFor({ timeout: 5_000 });
    await fresh.waitForFunction(
      () => Number(document.querySelector('[data-metric="temperature"] canvas')?.getAttribute('data-points')) >= 100,
      null,
      { timeout: 5_000 },
    );
    expect(await fresh.getByTestId('chart').count()).toBe(1);
    expect(await fresh.getByRole('link', { name: '15m', exact: true }).getAttribute('aria-current')).toBe('true');
    expect(await fresh.locator('[data-testid="metric-toggle"][data-metric="humidity"]').getAttribute('aria-pressed')).toBe('false');
    expect((await canvasInk(freshCanvas, '--chart-line')).matching).toBeGreaterThan(150);
    await fresh.context().close();
    expect(freshErrors).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('links a CSV export of the shown range and metrics', async () => {
    const href = await page.getByTestId('csv-export').getAttribute('href');
    const url = new URL(href!, server.url);
    expect(url.pathname).toBe('/api/devices/sim-002/readings.csv');
    expect(url.searchParams.get('from')).toBe('-15m');
    expect(url.searchParams.get('metrics')).toBe('temperature');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('ts,metric,value');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(1).every((line) => /^\d+,temperature,-?[\d.e+-]+$/.test(line))).toBe(true);
  });

  it("lists the device's recent rejected messages", async () => {
    await mqtt.publishAsync('devices/sim-002/telemetry', '{"temperature": "hot"}', { qos: 1 });
    const rejected = page.getByTestId('rejected');
    if (!(await rejected.evaluate((d) => (d as HTMLDetailsElement).open))) await rejected.locator('summary').click();
    await rejected.getByRole('button', { name: 'Refresh' }).click();
    await rejected.getByTestId('rejected-row').first().waitFor({ timeout: 5_000 });
    expect(await rejected.getByTestId('rejected-row').first().textContent()).toContain('"hot"');
  });

  it('shows stale and offline devices visibly differently, problems first', async () => {
    await mqtt.publishAsync('devices/quiet-1/telemetry', JSON.stringify({ temperature: 18 }), { qos: 1 });
    await mqtt.publishAsync('devices/gone-1/telemetry', JSON.stringify({ temperature: 19 }), { qos: 1 });
    // Apart: the API's DeviceWatch times a reading by its arrival, which ingest's forwarder batches
    // up to 20 ms later, so a goodbye sent right behind a reading can look older than it.
    await new Promise((r) => setTimeout(r, 300));
    await mqtt.publishAsync('devices/gone-1/status', 'offline', { qos: 1, retain: true });
    await page.goto(server.url);
    await shows(card('gone-1').getByTestId('device-status'), 'offline', 5_000);
    await shows(card('quiet-1').getByTestId('device-status'), 'stale', 8_000);
    expect((await cardIds()).slice(0, 2)).toEqual(['gone-1', 'quiet-1']);

    // Not by the badge's colour alone: the cards' borders and backgrounds differ too.
    const look = (id: string) =>
      card(id).evaluate((el) => {
        const s = getComputedStyle(el);
        return { left: s.borderLeftWidth, style: s.borderTopStyle, background: s.backgroundColor };
      });
    const [online, stale, offline] = [await look('sim-001'), await look('quiet-1'), await look('gone-1')];
    expect(stale.left).toBe('4px');
    expect(online.left).not.toBe('4px');
    expect(offline.style).toBe('dashed');
    expect(online.style).toBe('solid');
    expect(offline.background).not.toBe(online.background);

    await page.getByTestId('status-filter-offline').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="device-card"]').length === 1);
    expect(await cardIds()).toEqual(['gone-1']);
    await page.getByTestId('status-filter-all').click();
    expect(errors).toEqual([]);
  });

  it('saves screenshots of the overview and the device page, light and dark, phone and desktop', async () => {
    await page.goto(`${server.url}/devices/sim-001?range=5m`);
    await page.locator('[data-testid="chart"] canvas').first().waitFor({ timeout: 5_000 });
    const charted = async () => {
      await page.waitForFunction(
        () => Number(document.querySelector('[data-testid="chart"] canvas')?.getAttribute('data-points')) >= 2,
        null,
        { timeout: 5_000 },
      );
    };
    const device = await screenshots(page, 'device', charted);
    await page.goto(server.url);
    // Sparklines start from the snapshot's one point and need a second reading to draw.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="device-card"] svg path').length >= n, SIM.length * 2, {
      timeout: 5_000,
    });
    const overview = await screenshots(page, 'overview');
    expect([...device, ...overview]).toHaveLength(8);
    expect(errors).toEqual([]);
  });
});
