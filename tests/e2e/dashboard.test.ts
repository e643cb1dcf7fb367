/**
 * The dashboard in headless Chromium against the real all-in-one: a reading published over MQTT
 * shows up on the overview and the device page within 2 s, and the connection indicator follows
 * the network and a restart of the server, after which the page picks up live data again and a
 * device's chart holds every reading, with no gap and none twice.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { shows, startDashboardVigil, type DashboardVigil } from './support.ts';

const DEVICE = 'e2e-1';
const TOPIC = `devices/${DEVICE}/telemetry`;

let server: DashboardVigil;
let mqtt: MqttClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** Chromium reports a refused script, style or connection as a console error naming the Content Security Policy. */
const cspViolations: string[] = [];

const card = (id: string): Locator => page.locator(`[data-testid="device-card"][data-device="${id}"]`);
const connection = (): Locator => page.getByTestId('connection-status');
const canvas = (): Locator => page.locator('[data-testid="chart"][data-metric="level"] canvas');

async function publish(values: Record<string, number>): Promise<void> {
  await mqtt.publishAsync(TOPIC, JSON.stringify(values), { qos: 1 });
}

/** Starts the server again on the same ports and store, with a new MQTT client for the test. */
async function restart(): Promise<void> {
  const vigil = await server.start();
  await closeClients();
  mqtt = await connectClient(vigil.brokerUrl);
}

beforeAll(async () => {
  server = await startDashboardVigil();
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  // Also the page's own report, in case a violation is not logged to the console.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('dashboard', () => {
  it('goes live and shows a published reading on the overview within 2 s, then updates it live', async () => {
    const response = await page.goto(server.url);
    // The dashboard runs under the API's policy: no inline script, no framing.
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
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
    expect(cspViolations).toEqual([]);
  });

  it('opens a device page by deep link with a chart per metric that takes live readings', async () => {
    await page.goto(`${server.url}/devices/${DEVICE}`);
    await page.locator('[data-testid="chart"][data-metric="temperature"] canvas').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('chart').count()).toBe(2);
    await shows(page.locator('[data-testid="metric-value"][data-metric="temperature"]'), '22.75');

    await publish({ temperature: 23.5 });
    await shows(page.locator('[data-testid="metric-value"][data-metric="temperature"]'), '23.5');

    await page.getByRole('link', { name: /all devices/i }).click();
    await card(DEVICE).waitFor({ timeout: 2_000 });
    expect(new URL(page.url()).pathname).toBe('/');
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
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
    await server.stop();
    await shows(connection(), 'reconnecting', 3_000);

    // Same ports and store: the page must find its way back by itself.
    await restart();
    await shows(connection(), 'live', 10_000);
    // The card survived (refetched after the new boot's reset), and live readings flow again.
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '24');
    await publish({ temperature: 25.25 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '25.25');
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('keeps retrying through 503s (where the browser alone would give up) and says offline meanwhile', async () => {
    // What a proxy answers while the API is redeployed: the browser's EventSource closes for good.
    const attempts: string[] = [];
    await page.route('**/api/stream*', (route) => {
      attempts.push(route.request().url());
      return route.fulfill({ status: 503, contentType: 'text/plain', body: 'deploying' });
    });
    await server.stop();
    await shows(connection(), 'offline', 15_000);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.some((url) => new URL(url).searchParams.has('lastEventId'))).toBe(true);

    await restart();
    await page.unroute('**/api/stream*');
    // The network coming back is a cue to retry at once instead of sleeping out the backoff.
    await context.setOffline(true);
    await context.setOffline(false);
    await shows(connection(), 'live', 5_000);
    await publish({ temperature: 26 });
    await shows(card(DEVICE).locator('[data-testid="metric-value"][data-metric="temperature"]'), '26');
  });
  it('keeps a device chart whole across a server restart: every reading once, no gap', async () => {
    // A device that measures every 500 ms and, like a real one, keeps what it could not send
    // while it was cut off and sends it as one batch when it is back.
    const topic = 'devices/e2e-gap/telemetry';
    const sent = new Set<number>();
    let backlog: { ts: number; values: { level: number } }[] = [];
    let online = true;
    let sending: Promise<void> = Promise.resolve();
    const flush = () => {
      if (!online || backlog.length === 0) return sending;
      const batch = backlog;
      backlog = [];
      sending = mqtt.publishAsync(topic, JSON.stringify(batch), { qos: 1 }).then(() => {
        for (const r of batch) sent.add(r.ts);
      });
      return sending;
    };
    let level = 0;
    const measure = () => {
      backlog.push({ ts: Date.now(), values: { level: level++ } });
      void flush();
    };
    measure();
    const device = setInterval(measure, 500);
    try {
      await page.goto(`${server.url}/devices/e2e-gap?range=5m`);
      const canvas = page.locator('[data-testid="chart"][data-metric="level"] canvas');
      await canvas.waitFor({ timeout: 5_000 });
      await page.waitForFunction(
        () => Number(document.querySelector('[data-metric="level"] canvas')?.getAttribute('data-points')) >= 4,
        null,
        { timeout: 5_000 },
      );

      online = false;
      await sending;
      await server.stop();
      await shows(connection(), 'reconnecting', 3_000);
      await new Promise((r) => setTimeout(r, 1_000));
      await restart();
      // The page is back (and has refetched the chart after the new boot's reset) before the
      // device is: its backlog arrives late, with timestamps the refetched history already spans.
      await shows(connection(), 'live', 10_000);
      await new Promise((r) => setTimeout(r, 1_000));
      online = true;
      await flush();
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      clearInterval(device);
    }
    await flush();

    // The chart buckets are narrower than the readings' spacing, so every reading is one point.
    await page
      .waitForFunction(
        (expected) => {
          const c = document.querySelector('[data-metric="level"] canvas');
          return c?.getAttribute('data-gaps') === '0' && Number(c.getAttribute('data-points')) === expected;
        },
        sent.size,
        { timeout: 8_000 },
      )
      .catch(async (err: unknown) => {
        const got = await canvas().evaluate((c) => ({ points: c.getAttribute('data-points'), gaps: c.getAttribute('data-gaps') }));
        throw new Error(`chart has ${JSON.stringify(got)}, expected ${sent.size} points and no gap: ${String(err)}`);
      });
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
