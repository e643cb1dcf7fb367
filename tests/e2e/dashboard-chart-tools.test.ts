/**
 * Chart ranges and compare in headless Chromium against the all-in-one with its simulator: a
 * typed custom window and a typed "last N" load that range (URL, axis, fetched history); an
 * alert link's from/to opens that window; dragging across a chart zooms (the URL carries the
 * window, a reload keeps it) and "zoom out" widens it; the compare view, reached from the overview,
 * draws one metric of two devices (or two metrics of one) as two datasets and zooms the same way,
 * naming devices by their registry names and carrying each metric's unit on the axis and tooltip.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { shows, startDashboardVigil, VIEWPORTS, watchConsole, type DashboardVigil } from './support.ts';

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let mqtt: MqttClient;
const HOUR = 3_600_000;
let backfillFrom = 0;

const chart = (p: Page, metric = 'temperature'): Locator => p.locator(`[data-testid="chart"][data-metric="${metric}"] canvas`);
const axis = async (canvas: Locator) => ({
  from: Number(await canvas.getAttribute('data-from')),
  to: Number(await canvas.getAttribute('data-to')),
});
const query = (name: string) => new URL(page.url()).searchParams.get(name);
/** Waits until the canvas's axis starts at `from` (to the second) and it has drawn points. */
async function axisAt(p: Page, from: number, to: number): Promise<void> {
  await p.waitForFunction(
    ([f, t]) => {
      const c = document.querySelector('[data-testid="chart"][data-metric="temperature"] canvas');
      return (
        c !== null &&
        Math.abs(Number(c.getAttribute('data-from')) - f!) < 1_000 &&
        Math.abs(Number(c.getAttribute('data-to')) - t!) < 1_000 &&
        Number(c.getAttribute('data-points')) > 0
      );
    },
    [from, to] as const,
    { timeout: 8_000 },
  );
}

beforeAll(async () => {
  server = await startDashboardVigil({ SIM_DEVICES: '2' });
  mqtt = await connectClient(server.vigil!.brokerUrl);
  // Three hours of earlier temperatures for sim-001 (a gateway's backfill), one a minute.
  const now = Date.now();
  backfillFrom = now - 3 * HOUR;
  const backfill = Array.from({ length: 180 }, (_, i) => ({
    ts: backfillFrom + i * 60_000,
    values: { temperature: 20 + Math.sin(i / 10) },
  }));
  await mqtt.publishAsync('devices/sim-001/telemetry', JSON.stringify(backfill), { qos: 1 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop, timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  errors = watchConsole(page);
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('chart ranges', () => {
  it('loads a typed custom window, entered in the browser zone, into the URL and the chart', async () => {
    await page.goto(`${server.url}/devices/sim-001`);
    await chart(page).waitFor({ timeout: 8_000 });
    // 2h30 ago to 1h30 ago, typed as Berlin wall-clock time.
    const from = Math.floor((backfillFrom + 30 * 60_000) / 60_000) * 60_000;
    const to = from + HOUR;
    const local = (ts: number) =>
      page.evaluate((t) => {
        const d = new Date(t);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, ts);
    await page.getByTestId('range-from').fill(await local(from));
    await page.getByTestId('range-to').fill(await local(to));
    await page.getByTestId('range-apply').click();
    await page.waitForURL(/from=/);
    expect(Number(query('from'))).toBe(from);
    expect(Number(query('to'))).toBe(to);
    await axisAt(page, from, to);
    // The history fetched is that window: its first bucket is inside it, not three hours ago.
    const canvas = chart(page);
    expect(Number(await canvas.getAttribute('data-first'))).toBeGreaterThanOrEqual(from - 60_000);
    expect(Number(await canvas.getAttribute('data-last'))).toBeLessThanOrEqual(to);
    expect(Number(await canvas.getAttribute('data-points'))).toBeGreaterThan(30);
    expect(errors).toEqual([]);
  });

  it('loads a typed "last N" range', async () => {
    await page.getByTestId('range-last').fill('150m');
    await page.getByTestId('range-last').press('Enter');
    await page.waitForURL(/range=150m/);
    expect(query('from')).toBeNull();
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="chart"][data-metric="temperature"] canvas');
      return c !== null && Number(c.getAttribute('data-to')) - Number(c.getAttribute('data-from')) === 150 * 60_000;
    });
    expect(errors).toEqual([]);
  });

  it("opens an alert link's from/to window", async () => {
    const from = backfillFrom + HOUR;
    const to = from + 30 * 60_000;
    const fresh = await context.newPage();
    const freshErrors = watchConsole(fresh);
    await fresh.goto(`${server.url}/devices/sim-001?from=${from}&to=${to}`);
    await axisAt(fresh, from, to);
    await fresh.close();
    expect(freshErrors).toEqual([]);
  });

  it('zooms by dragging across the chart, keeps the window in the URL over a reload, and zooms out', async () => {
    await page.getByRole('link', { name: '6h', exact: true }).click();
    await page.waitForURL(/range=6h/);
    const canvas = chart(page);
    await page.waitForFunction((span) => {
      const c = document.querySelector('[data-testid="chart"][data-metric="temperature"] canvas');
      return c !== null && Number(c.getAttribute('data-to')) - Number(c.getAttribute('data-from')) === span;
    }, 6 * HOUR);
    const before = await axis(canvas);
    const box = (await canvas.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 8 });
    await page.mouse.up();
    await page.waitForURL(/from=\d+&to=\d+/);
    const from = Number(query('from'));
    const to = Number(query('to'));
    expect(from).toBeGreaterThan(before.from);
    expect(to).toBeLessThan(before.to);
    // A fifth of the chart's width (less the y axis): about a fifth of six hours.
    expect(to - from).toBeGreaterThan(0.1 * 6 * HOUR);
    expect(to - from).toBeLessThan(0.3 * 6 * HOUR);
    await axisAt(page, from, to);

    await page.reload();
    await axisAt(page, from, to);

    await page.getByTestId('zoom-out').click();
    await page.waitForFunction(
      (span) => {
        const q = new URL(location.href).searchParams;
        return Number(q.get('to')) - Number(q.get('from')) === span;
      },
      2 * (to - from),
    );
    const wide = { from: Number(query('from')), to: Number(query('to')) };
    await axisAt(page, wide.from, wide.to);

    // Shift-drag pans: dragging to the right shows earlier times, the span unchanged.
    const panBox = (await canvas.boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(panBox.x + panBox.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(panBox.x + panBox.width * 0.6, y, { steps: 10 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForFunction((was) => new URL(location.href).searchParams.get('from') !== was, String(wide.from));
    const panned = { from: Number(query('from')), to: Number(query('to')) };
    expect(panned.from).toBeLessThan(wide.from);
    expect(Math.abs(panned.to - panned.from - (wide.to - wide.from))).toBeLessThan(1_000);
    expect(errors).toEqual([]);
  });
});

describe('time zone and band legend', () => {
  it('names the zone, switches times to UTC and back, and explains the min/max band', async () => {
    const from = backfillFrom + HOUR;
    const to = from + 30 * 60_000;
    await page.goto(`${server.url}/devices/sim-001?from=${from}&to=${to}`);
    await axisAt(page, from, to);
    await shows(page.getByTestId('time-zone-name'), 'Europe/Berlin');
    expect(await page.getByTestId('band-legend').first().textContent()).toContain('min–max');
    const berlin = await page.getByTestId('range-from').inputValue();
    await page.getByTestId('utc-toggle').check();
    await shows(page.getByTestId('time-zone-name'), 'UTC');
    // The custom range's inputs now read UTC wall-clock time, and apply as UTC.
    expect(await page.getByTestId('range-from').inputValue()).toBe(new Date(from).toISOString().slice(0, 16));
    expect(await page.getByTestId('range-from').inputValue()).not.toBe(berlin);
    const utcFrom = Math.floor(from / 60_000) * 60_000 + 60_000;
    await page.getByTestId('range-from').fill(new Date(utcFrom).toISOString().slice(0, 16));
    await page.getByTestId('range-apply').click();
    await page.waitForFunction((f) => new URL(location.href).searchParams.get('from') === String(f), utcFrom);
    // Kept over a reload; and back to the browser's zone.
    await page.reload();
    await shows(page.getByTestId('time-zone-name'), 'UTC', 8_000);
    await page.getByTestId('utc-toggle').uncheck();
    await shows(page.getByTestId('time-zone-name'), 'Europe/Berlin');
    expect(errors).toEqual([]);
  });
});

describe('compare', () => {
  const compareCanvas = (p: Page) => p.locator('[data-testid="compare-chart"] canvas');

  beforeAll(async () => {
    // Registry names and units, as an operator sets them: temperature is °C on both devices.
    const put = async (id: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/devices/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.body?.cancel();
      return res.status;
    };
    expect(await put('sim-001', { name: 'Cold store', labels: {}, units: { temperature: '°C', humidity: '%' } })).toBe(200);
    expect(await put('sim-002', { name: 'Office', labels: {}, units: { temperature: '°C' } })).toBe(200);
  });

  it('is reached from the overview by ticking devices, and draws one metric of two devices as two datasets', async () => {
    await page.goto(server.url);
    await page.getByTestId('device-card').nth(1).waitFor({ timeout: 8_000 });
    const launcher = page.getByTestId('compare-launcher');
    await launcher.locator('summary').click();
    await launcher.locator('[data-testid="compare-device"][data-device="sim-001"]').check();
    await launcher.locator('[data-testid="compare-device"][data-device="sim-002"]').check();
    await page.getByTestId('compare-metric').selectOption('temperature');
    await page.getByTestId('compare-go').click();
    await page.waitForURL('**/compare?devices=sim-001,sim-002&metric=temperature');
    const canvas = compareCanvas(page);
    await canvas.waitFor({ timeout: 8_000 });
    // Both lines have points: sim-001's backfill and both devices' live readings.
    await page.waitForFunction(
      () => {
        const c = document.querySelector('[data-testid="compare-chart"] canvas');
        const points = (c?.getAttribute('data-points') ?? '').split(',').map(Number);
        return c?.getAttribute('data-datasets') === '2' && points.length === 2 && points.every((n) => n > 0);
      },
      null,
      { timeout: 8_000 },
    );
    // The legend and title say the registry names; the shared unit goes on the axis, not in the legend.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="compare-chart"] canvas')?.getAttribute('data-labels') === 'Cold store|Office',
    );
    expect(await canvas.getAttribute('data-axis-unit')).toBe('°C');
    await shows(page.locator('h1.page .what'), 'temperature of Cold store, Office');
    const links = page.getByTestId('compare-device-link');
    expect(await links.allTextContents()).toEqual(['Cold storesim-001 →', 'Officesim-002 →']);
    expect(await links.first().getAttribute('title')).toBe('sim-001');
    // Hovering near now shows a value in the metric's unit, under the device's name.
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    await page.waitForFunction(() =>
      /°C/.test(document.querySelector('[data-testid="compare-chart"] canvas')?.getAttribute('data-tooltip') ?? ''),
    );
    const tooltip = (await canvas.getAttribute('data-tooltip'))!;
    expect(tooltip.split('|')[0]).toMatch(/^(Cold store|Office): -?\d+([.,]\d+)? °C$/);
    expect(errors).toEqual([]);
  });

  it('draws several metrics of one device, in a range from the URL, and zooms by dragging', async () => {
    const from = backfillFrom;
    const to = Date.now() - HOUR;
    const fresh = await context.newPage();
    const freshErrors = watchConsole(fresh);
    await fresh.goto(`${server.url}/compare?devices=sim-001&metrics=temperature,humidity&from=${from}&to=${to}`);
    const canvas = compareCanvas(fresh);
    await fresh.waitForFunction(
      ([f, t]) => {
        const c = document.querySelector('[data-testid="compare-chart"] canvas');
        return (
          c?.getAttribute('data-datasets') === '2' && c.getAttribute('data-from') === String(f) && c.getAttribute('data-to') === String(t)
        );
      },
      [from, to] as const,
      { timeout: 8_000 },
    );
    // Units differ: each legend entry names its own and the axis carries none.
    expect(await canvas.getAttribute('data-labels')).toBe('temperature (°C)|humidity (%)');
    expect(await canvas.getAttribute('data-axis-unit')).toBe('');
    // The backfill has temperature only: that line has points in the window, humidity none.
    const [temperature, humidity] = (await canvas.getAttribute('data-points'))!.split(',').map(Number);
    expect(temperature).toBeGreaterThan(30);
    expect(humidity).toBe(0);

    const box = (await canvas.boundingBox())!;
    const y = box.y + box.height / 3;
    await fresh.mouse.move(box.x + box.width * 0.3, y);
    await fresh.mouse.down();
    await fresh.mouse.move(box.x + box.width * 0.6, y, { steps: 8 });
    await fresh.mouse.up();
    await fresh.waitForFunction((was) => new URL(location.href).searchParams.get('from') !== was, String(from));
    const zoomed = new URL(fresh.url()).searchParams;
    expect(Number(zoomed.get('from'))).toBeGreaterThan(from);
    expect(Number(zoomed.get('to'))).toBeLessThan(to);
    expect(zoomed.get('devices')).toBe('sim-001');
    await fresh.close();
    expect(freshErrors).toEqual([]);
  });
});
