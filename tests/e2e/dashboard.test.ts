/**
 * The dashboard in headless Chromium against the real all-in-one: a reading published over MQTT
 * shows up on the overview and the device page within 2 s, and the connection indicator follows
 * the network and a restart of the server, after which the page picks up live data again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVigil, type VigilHandle } from '../../app/main.ts';
import { parseConfig, type VigilConfig } from '../../common/config.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { freePort } from '../helpers/ports.ts';

const DEVICE = 'e2e-1';
const TOPIC = `devices/${DEVICE}/telemetry`;

let dir: string;
let dashboardDir: string;
let config: VigilConfig;
let vigil: VigilHandle | null = null;
let mqtt: MqttClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const card = (id: string): Locator => page.locator(`[data-testid="device-card"][data-device="${id}"]`);
const connection = (): Locator => page.getByTestId('connection-status');

/** Waits for `locator` to show exactly `text`; the timeout is the product's promise, not slack. */
async function shows(locator: Locator, text: string, timeout = 2_000): Promise<void> {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await locator.filter({ hasText: exact }).first().waitFor({ timeout });
}

async function publish(values: Record<string, number>): Promise<void> {
  await mqtt.publishAsync(TOPIC, JSON.stringify(values), { qos: 1 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-'));
  // Built here, into the test's own dir, so the test runs the current sources and cannot race
  // another build of dashboard/dist.
  dashboardDir = join(dir, 'dist');
  await build({
    configFile: fileURLToPath(new URL('../../dashboard/vite.config.ts', import.meta.url)),
    build: { outDir: dashboardDir, emptyOutDir: true },
    logLevel: 'warn',
  });
  const parsed = parseConfig({
    PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    SQLITE_PATH: join(dir, 'vigil.db'),
    SIM_DEVICES: '0',
    LOG_LEVEL: 'silent',
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  config = parsed.config;
  vigil = await startVigil(config, { dashboardDir });
  mqtt = await connectClient(vigil.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await vigil?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('dashboard', () => {
  it('goes live and shows a published reading on the overview within 2 s, then updates it live', async () => {
    await page.goto(vigil!.url);
    await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ timeout: 5_000 });
    expect(await connection().textContent()).toBe('live');

    await publish({ temperature: 21.5 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '21.5');
    await shows(card(DEVICE).getByTestId('device-status'), 'online');

    await publish({ temperature: 22.75, humidity: 40 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '22.75');
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="humidity"]'), '40');
    expect(await page.getByTestId('device-card').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('opens a device page by deep link with a chart per metric that takes live readings', async () => {
    await page.goto(`${vigil!.url}/devices/${DEVICE}`);
    await page.locator('[data-testid="chart"][data-metric="temperature"] canvas').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('chart').count()).toBe(2);
    await shows(page.locator('[data-testid="metric-value"][data-metric="temperature"]'), '22.75');

    await publish({ temperature: 23.5 });
    await shows(page.locator('[data-testid="metric-value"][data-metric="temperature"]'), '23.5');

    await page.getByRole('link', { name: /all devices/i }).click();
    await card(DEVICE).waitFor({ timeout: 2_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    expect(pageErrors).toEqual([]);
  });

  it('says offline while the browser has no network and goes live again when it returns', async () => {
    await context.setOffline(true);
    await shows(connection(), 'offline');
    await context.setOffline(false);
    await shows(connection(), 'live', 5_000);
    await publish({ temperature: 24 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '24');
  });

  it('shows reconnecting while the server is down, and live data again after it restarts', async () => {
    await vigil!.stop();
    vigil = null;
    await shows(connection(), 'reconnecting', 3_000);

    // Same ports and store: the page must find its way back by itself.
    vigil = await startVigil(config, { dashboardDir });
    await closeClients();
    mqtt = await connectClient(vigil.brokerUrl);
    await shows(connection(), 'live', 10_000);
    // The card survived (refetched after the new boot's reset), and live readings flow again.
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '24');
    await publish({ temperature: 25.25 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '25.25');
    expect(pageErrors).toEqual([]);
  });

  it('keeps retrying through 503s (where the browser alone would give up) and says offline meanwhile', async () => {
    // What a proxy answers while the API is redeployed: the browser's EventSource closes for good.
    const attempts: string[] = [];
    await page.route('**/api/stream*', (route) => {
      attempts.push(route.request().url());
      return route.fulfill({ status: 503, contentType: 'text/plain', body: 'deploying' });
    });
    await vigil!.stop();
    vigil = null;
    await shows(connection(), 'offline', 15_000);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.some((url) => new URL(url).searchParams.has('lastEventId'))).toBe(true);

    vigil = await startVigil(config, { dashboardDir });
    await page.unroute('**/api/stream*');
    await closeClients();
    mqtt = await connectClient(vigil.brokerUrl);
    // The network coming back is a cue to retry at once instead of sleeping out the backoff.
    await context.setOffline(true);
    await context.setOffline(false);
    await shows(connection(), 'live', 5_000);
    await publish({ temperature: 26 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '26');
  });
});
