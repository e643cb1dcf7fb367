/**
 * "Truth first" in headless Chromium against the real all-in-one (issue 17): the dashboard never
 * shows something better than it knows. A firing critical stays on top of the alert panels
 * however much resolved noise is newer; an alert panel that cannot load says so and never "All
 * clear"; with the stream down past STALE_AFTER the cards say `unknown`, not `online`; a page or
 * history request that failed during an outage is asked for again, not cached; ids with dots open
 * by URL; a device that has only said `online` shows online until STALE_AFTER passes.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { shows, startDashboardVigil, type DashboardVigil } from './support.ts';

/** Short, so "down longer than STALE_AFTER" takes seconds; the page must learn it from the server. */
const STALE_AFTER_S = 4;

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let mqtt: MqttClient;

const card = (id: string): Locator => page.locator(`[data-testid="device-card"][data-device="${id}"]`);
const statusOf = (id: string): Locator => card(id).getByTestId('device-status');
const connection = (): Locator => page.getByTestId('connection-status');

async function apiJson<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function rule(name: string, device: string, severity: string): Promise<void> {
  const res = await apiJson('/api/rules', {
    method: 'POST',
    body: JSON.stringify({
      name,
      device,
      metric: 'temp',
      type: 'threshold',
      op: 'above',
      value: 50,
      hysteresis: 0,
      for: 0,
      severity,
      enabled: true,
    }),
  });
  expect(res.status).toBe(201);
}

const publish = (device: string, values: Record<string, number>) =>
  mqtt.publishAsync(`devices/${device}/telemetry`, JSON.stringify(values), { qos: 1 });

/** Polls until `check` holds, publishing `tick` meanwhile (rules reach ingest within 2 s). */
async function until(check: () => Promise<boolean>, tick: () => Promise<unknown> = async () => {}, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await tick();
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function restart(): Promise<void> {
  const vigil = await server.start();
  await closeClients();
  mqtt = await connectClient(vigil.brokerUrl);
}

beforeAll(async () => {
  server = await startDashboardVigil({ STALE_AFTER: `${STALE_AFTER_S}s` });
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
});

// A test that failed with the server stopped must not take the next ones down with it.
afterEach(async () => {
  if (!server.vigil) await restart();
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('the dashboard tells the truth', () => {
  it('keeps a firing critical first on the overview and on /alerts, above eleven newer resolved anomalies', async () => {
    await rule('Boiler critical', 'boiler-crit', 'critical');
    await rule('Noise', 'noise-*', 'warning');
    type AlertDoc = { device: string; state: string };
    const alerts = async () => (await apiJson<AlertDoc[]>('/api/alerts?state=all&limit=100')).body;
    await until(
      async () => (await alerts()).some((a) => a.device === 'boiler-crit'),
      () => publish('boiler-crit', { temp: 60 }),
    );
    for (let i = 0; i < 11; i++) {
      const device = `noise-${String(i).padStart(2, '0')}`;
      await until(
        async () => (await alerts()).some((a) => a.device === device),
        () => publish(device, { temp: 60 }),
      );
      await until(
        async () => (await alerts()).some((a) => a.device === device && a.state === 'resolved'),
        () => publish(device, { temp: 0 }),
      );
    }

    await page.goto(server.url);
    const panel = page.getByRole('region', { name: /Alerts needing attention/ });
    await panel.getByTestId('alert-row').first().waitFor({ timeout: 5_000 });
    expect(await panel.getByTestId('alert-row').first().textContent()).toContain('boiler-crit');

    await page.goto(`${server.url}/alerts?show=all`);
    await page.getByTestId('alert-row').first().waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('alert-row').first().textContent()).toContain('boiler-crit');
  });

  it('says alerts could not be loaded on every page that shows them, and never "All clear"', async () => {
    const failing = await context.newPage();
    await failing.route('**/api/alerts?**', (route) => route.abort('connectionrefused'));
    try {
      await failing.goto(`${server.url}/alerts`);
      await failing.getByTestId('alerts-error').first().waitFor({ timeout: 5_000 });
      expect(await failing.locator('main').textContent()).not.toContain('All clear');
      await failing.goto(server.url);
      await failing.getByTestId('alerts-error').first().waitFor({ timeout: 5_000 });
      await failing.goto(`${server.url}/devices/boiler-crit`);
      await failing.getByTestId('alerts-error').first().waitFor({ timeout: 5_000 });
    } finally {
      await failing.close();
    }
  });

  it('shows a device that has only said `online` as online, and stale once STALE_AFTER passes', async () => {
    await page.goto(server.url);
    await shows(connection(), 'live', 5_000);
    await mqtt.publishAsync('devices/fresh-1/status', 'online', { qos: 1, retain: true });
    await shows(statusOf('fresh-1'), 'online', 3_000);
    await shows(statusOf('fresh-1'), 'stale', (STALE_AFTER_S + 4) * 1_000);
  });

  it('says `unknown since HH:MM` on every card once the stream is down longer than STALE_AFTER', async () => {
    await page.goto(server.url);
    await shows(connection(), 'live', 5_000);
    await publish('live-1', { temp: 20 });
    await shows(statusOf('live-1'), 'online', 3_000);
    // Keep it online up to the moment the server goes.
    await publish('live-1', { temp: 21 });
    await server.stop();
    await shows(connection(), 'reconnecting', 3_000);
    await shows(statusOf('live-1'), 'unknown', (STALE_AFTER_S + 3) * 1_000);
    expect(await card('live-1').getByTestId('unknown-since').textContent()).toMatch(/unknown since \d\d:\d\d/);
    expect(await page.getByTestId('status-filter-online').textContent()).toMatch(/online\s*0/);
    expect(Number((await page.getByTestId('status-count-unknown').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="device-status"]', { hasText: /^\s*online\s*$/ }).count()).toBe(0);
    await restart();
    await shows(connection(), 'live', 15_000);
    await publish('live-1', { temp: 22 });
    await shows(statusOf('live-1'), 'online', 5_000);
  });

  it('loads a device page opened while the server was down once it is back, and every later one', async () => {
    // A fresh context: the chunk must not be in the HTTP cache (assets are cached for a year).
    const main = page;
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await fresh.newPage();
    try {
      await page.goto(server.url);
      await shows(connection(), 'live', 5_000);
      await publish('live-1', { temp: 20 });
      await card('live-1').waitFor({ timeout: 5_000 });
      await publish('live-2', { temp: 30 });
      await card('live-2').waitFor({ timeout: 5_000 });
      await server.stop();
      await shows(connection(), 'reconnecting', 3_000);
      // The page's chunk cannot be fetched now; it must not stay broken once the server is back.
      await card('live-1').locator('a').first().click();
      await page
        .getByRole('alert')
        .filter({ hasText: /could not be loaded/ })
        .waitFor({ timeout: 5_000 });
      await restart();
      await shows(connection(), 'live', 15_000);
      await page.getByTestId('chart').first().waitFor({ timeout: 10_000 });
      expect(await page.locator('main').textContent()).not.toContain('could not be loaded');
      await publish('live-1', { temp: 22 });
      await shows(page.locator('.head [data-testid="device-status"]'), 'online', 5_000);
      await publish('live-2', { temp: 30 });
      await page.getByRole('link', { name: /All devices/ }).click();
      await card('live-2').locator('a').first().click();
      await shows(page.locator('h1'), 'live-2', 5_000);
      await page.getByTestId('chart').first().waitFor({ timeout: 5_000 });
    } finally {
      await fresh.close();
      page = main;
    }
  });

  it('asks again for a history request that failed, instead of keeping the failure', async () => {
    let failed = 0;
    await page.route('**/api/devices/live-1/readings?**', (route) => {
      if (failed++ < 2)
        return route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: '{"error":{"code":"unavailable","message":"store down"}}',
        });
      return route.fallback();
    });
    try {
      await page.goto(`${server.url}/devices/live-1?range=5m`);
      await page.getByText(/Could not load history/).waitFor({ timeout: 5_000 });
      await page.getByTestId('chart').first().waitFor({ timeout: 10_000 });
      await page.getByText(/Could not load history/).waitFor({ state: 'detached', timeout: 5_000 });
      expect(failed).toBeGreaterThanOrEqual(3);
    } finally {
      await page.unroute('**/api/devices/live-1/readings?**');
    }
  });

  it('opens a device whose id has dots by URL, and still answers 404 for a missing asset', async () => {
    await publish('sensor.kitchen.1', { temp: 19.5 });
    for (const path of ['/devices/sensor.kitchen.1', '/devices/a.b.c', '/devices/sensor.kitchen.1?range=5m']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain('text/html');
    }
    for (const path of ['/assets/missing-1234.js', '/favicon-missing.png', '/devices/x/y.js']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    }
    await page.goto(`${server.url}/devices/sensor.kitchen.1`);
    await shows(page.locator('h1'), 'sensor.kitchen.1', 5_000);
    await page.getByTestId('chart').first().waitFor({ timeout: 5_000 });
  });

  it('offers no range, export or rejected panels for a device nobody has heard of', async () => {
    await page.goto(`${server.url}/devices/nobody-here`);
    await page.getByText(/There is no device called/).waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('csv-export').count()).toBe(0);
    expect(await page.getByRole('group', { name: /range/i }).count()).toBe(0);
  });
});
