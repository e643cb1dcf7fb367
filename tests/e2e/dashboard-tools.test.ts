/**
 * The operator tools of issue 17 in headless Chromium against the all-in-one with its simulator:
 * a label filter narrows the overview through GET /api/devices and the shown cards stay live;
 * editing a device's name, labels and units on its page (signing in on save) shows on the card;
 * the alarm table filters and bulk-acknowledges; the Sources page lists the sources with their
 * counters, a topic an outside MQTT client published that no source took, and the fleet's
 * rejected messages with a reason filter.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { screenshots, shows, startDashboardVigil, VIEWPORTS, watchConsole, type DashboardVigil } from './support.ts';

const SIM = ['sim-001', 'sim-002', 'sim-003'];

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let mqtt: MqttClient;

const card = (id: string): Locator => page.locator(`[data-testid="device-card"][data-device="${id}"]`);
const cardIds = () => page.getByTestId('device-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-device')));

async function put(path: string, body: unknown, method = 'PUT'): Promise<number> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  return res.status;
}

beforeAll(async () => {
  server = await startDashboardVigil({ SIM_DEVICES: String(SIM.length) });
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  errors = watchConsole(page);
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('dashboard operator tools', () => {
  it('narrows the overview with a label filter through the API, and the shown cards stay live', async () => {
    expect(await put('/api/devices/sim-001', { name: null, labels: { site: 'north' }, units: null })).toBe(200);
    expect(await put('/api/devices/sim-002', { name: null, labels: { site: 'south' }, units: null })).toBe(200);
    expect(await put('/api/devices/sim-003', { name: null, labels: { site: 'north', floor: '2' }, units: null })).toBe(200);
    await page.goto(server.url);
    await shows(page.getByTestId('connection-status'), 'live', 5_000);
    await page
      .getByTestId('device-card')
      .nth(SIM.length - 1)
      .waitFor({ timeout: 5_000 });

    const asked = page.waitForRequest(
      (req) => new URL(req.url()).pathname === '/api/devices' && new URL(req.url()).searchParams.getAll('label').includes('site:north'),
    );
    await page.getByTestId('label-filter').fill('site:north');
    await asked;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="device-card"]').length === 2);
    expect((await cardIds()).sort()).toEqual(['sim-001', 'sim-003']);
    expect(new URL(page.url()).searchParams.getAll('label')).toEqual(['site:north']);

    // Two terms must both hold.
    await page.getByTestId('label-filter').fill('site:north floor:2');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="device-card"]').length === 1);
    expect(await cardIds()).toEqual(['sim-003']);

    // Still live: the simulator's next reading changes the shown value.
    const selector = '[data-device="sim-003"] [data-testid="metric-value"][data-metric="temperature"]';
    const before = await page.locator(selector).textContent();
    await page.waitForFunction(([s, was]) => document.querySelector(s!)?.textContent !== was, [selector, before] as const, {
      timeout: 5_000,
    });

    // The search box goes to the API too, and matches labels.
    await page.getByTestId('label-filter').fill('');
    await page.getByTestId('device-filter').fill('south');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="device-card"]').length === 1);
    expect(await cardIds()).toEqual(['sim-002']);

    // A device first heard of while a search is set shows if it matches.
    await page.getByTestId('device-filter').fill('newcomer');
    await page.getByText('No device matches.').waitFor();
    await mqtt.publishAsync('devices/newcomer-1/telemetry', JSON.stringify({ temperature: 20 }), { qos: 1 });
    await card('newcomer-1').waitFor({ timeout: 5_000 });
    expect(await cardIds()).toEqual(['newcomer-1']);
    await page.getByTestId('device-filter').fill('');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="device-card"]').length === n, SIM.length + 1);
    expect(errors).toEqual([]);
  });

  it('edits a name, labels and a unit on the device page; the card shows the name, the id beneath, the value with its unit', async () => {
    await page.goto(`${server.url}/devices/sim-002`);
    await page.getByTestId('chart').first().waitFor({ timeout: 5_000 });
    await page.getByTestId('device-edit').click();
    const form = page.getByTestId('device-edit-form');
    expect(await form.getByTestId('device-edit-labels').inputValue()).toBe('site=south');

    // Cancel closes the form and gives the focus back to the edit button.
    await form.getByTestId('device-edit-cancel').click();
    await form.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('device-edit');

    await page.getByTestId('device-edit').click();
    // A malformed label line is refused before anything is sent.
    await form.getByTestId('device-edit-labels').fill('site south');
    await form.getByTestId('device-edit-save').click();
    await form.getByTestId('device-edit-error').waitFor();

    await form.getByTestId('device-edit-name').fill('Boiler room');
    await form.getByTestId('device-edit-labels').fill('site=south\nroom=boiler');
    await form.locator('[data-testid="device-edit-unit"][data-metric="temperature"]').fill('°C');
    await form.getByTestId('device-edit-save').click();
    // Not signed in: saving asks for the token first.
    const dialog = page.getByTestId('sign-in-dialog');
    await dialog.getByLabel('Operator token').fill(server.token);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await form.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'device-edit');

    await shows(page.getByTestId('device-name'), 'Boiler room');
    await shows(page.getByTestId('device-id'), 'sim-002');
    await page.getByTestId('device-edit').click();
    await screenshots(page, 'device-edit');
    await page.getByTestId('device-edit-cancel').click();
    await page.getByTestId('device-labels').getByText('room=boiler').waitFor();
    const chartValue = page.locator('[data-testid="metric-value"][data-metric="temperature"]');
    await page.waitForFunction(() =>
      /°C$/.test(document.querySelector('[data-testid="metric-value"][data-metric="temperature"]')?.textContent?.trim() ?? ''),
    );
    expect(await chartValue.textContent()).toMatch(/^-?\d+([.,]\d+)? °C$/);

    await page.getByRole('link', { name: '← All devices' }).click();
    await shows(card('sim-002').getByTestId('device-name'), 'Boiler room');
    await card('sim-002').getByText('sim-002', { exact: true }).waitFor();
    expect(await card('sim-002').getByTestId('device-name').getAttribute('title')).toBe('sim-002');
    expect(await card('sim-002').locator('[data-testid="metric-value"][data-metric="temperature"]').textContent()).toMatch(/ °C$/);
    // Four cards a row at 1280 px: the metric's name beside a value with a unit is not cut ("temperat…").
    const name = card('sim-002').locator('dt').filter({ hasText: 'temperature' });
    expect(await name.evaluate((dt) => ({ cut: dt.scrollWidth > dt.clientWidth, card: dt.closest('article')!.clientWidth }))).toEqual({
      cut: false,
      card: expect.any(Number),
    });

    // Another open page hears of the rename over the stream, without reloading.
    const other = await context.newPage();
    await other.goto(server.url);
    await other.locator('[data-testid="device-card"][data-device="sim-001"]').waitFor({ timeout: 5_000 });
    expect(await put('/api/devices/sim-001', { name: 'Pump house', labels: { site: 'north' }, units: null })).toBe(200);
    await shows(other.locator('[data-device="sim-001"] [data-testid="device-name"]'), 'Pump house', 5_000);
    await other.close();
    expect(errors).toEqual([]);
  });

  it('filters the alarm table by severity and device, and bulk-acknowledges the selected alerts with a note', async () => {
    const rule = (name: string, device: string, severity: string) =>
      put(
        '/api/rules',
        {
          name,
          device,
          metric: 'temperature',
          type: 'threshold',
          op: 'above',
          value: -1000,
          hysteresis: 0,
          for: 0,
          severity,
          enabled: true,
        },
        'POST',
      );
    expect(await rule('Any temperature', 'sim-*', 'critical')).toBe(201);
    expect(await rule('Watch sim-001', 'sim-001', 'info')).toBe(201);
    await page.goto(`${server.url}/alerts`);
    const rows = page.getByTestId('alarm-table').getByTestId('alert-row');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"][data-state="firing"]').length === 4, undefined, {
      timeout: 8_000,
    });

    await page.getByTestId('severity-filter-critical').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 3);
    expect(new URL(page.url()).searchParams.get('severity')).toBe('critical');
    await page.getByTestId('severity-filter-critical').click();
    await page.getByTestId('alert-device-filter').fill('sim-001');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 2);
    expect(await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-device')))).toEqual(['sim-001', 'sim-001']);
    await page.getByTestId('alert-device-filter').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 4);

    // Select the two on sim-002 and sim-003, acknowledge them with one note.
    const chosen = ['sim-002', 'sim-003'];
    for (const id of chosen) await page.locator(`[data-testid="alert-row"][data-device="${id}"]`).getByTestId('alert-select').check();
    await page.getByTestId('ack-note').fill('replacing the sensors');
    await shows(page.getByTestId('ack-selected'), 'Acknowledge selected (2)');
    await page.getByTestId('ack-selected').click();
    await shows(page.getByTestId('ack-outcome'), '2 acknowledged');
    for (const id of chosen) {
      const row = page.locator(`[data-testid="alert-row"][data-device="${id}"]`);
      await page.locator(`[data-testid="alert-row"][data-device="${id}"][data-acknowledged="true"]`).waitFor();
      await shows(row.getByTestId('alert-ack-note'), 'Note: replacing the sensors');
    }
    expect(await page.locator('[data-testid="alert-row"][data-device="sim-001"][data-acknowledged="false"]').count()).toBe(2);
    const stored = (await (await fetch(`${server.url}/api/alerts?state=active`)).json()) as {
      device: string;
      acknowledged: boolean;
      ackNote: string | null;
    }[];
    expect(
      stored
        .filter((a) => a.acknowledged)
        .map((a) => [a.device, a.ackNote])
        .sort(),
    ).toEqual([
      ['sim-002', 'replacing the sensors'],
      ['sim-003', 'replacing the sensors'],
    ]);

    await screenshots(page, 'alarm-table');

    // Select all takes the rest (the unacknowledged ones) in one go.
    await page.getByTestId('alert-select-all').check();
    await shows(page.getByTestId('ack-selected'), 'Acknowledge selected (2)');
    await page.getByTestId('ack-selected').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"][data-acknowledged="false"]').length === 0);
    expect(errors).toEqual([]);
  });

  it('lists the sources, a topic an outside client published that no source took, and rejected messages by reason', async () => {
    await mqtt.publishAsync('acme/lab-7/reading', '{"t":21.5,"note":"from outside"}', { qos: 1 });
    await mqtt.publishAsync('devices/sim-009/telemetry', 'not json at all', { qos: 1 });
    await mqtt.publishAsync('devices/sim-009/telemetry', '{"temperature":"hot"}', { qos: 1 });

    await page.goto(server.url);
    await page.getByTestId('nav-sources').click();
    expect(new URL(page.url()).pathname).toBe('/sources');
    // The simulator publishes natively, so the vigil source has matched messages.
    const vigil = page.locator('[data-testid="source-row"][data-source="vigil"]');
    await vigil.waitFor();
    expect(Number(await vigil.locator('[data-counter="matched"]').textContent())).toBeGreaterThan(0);

    // Ingest reports unmatched topics every 2 s; the page polls.
    const row = page.locator('[data-testid="unmatched-row"][data-topic="acme/lab-7/reading"]');
    await row.waitFor({ timeout: 8_000 });
    await shows(row.getByTestId('unmatched-payload'), '{"t":21.5,"note":"from outside"}');

    const rejected = page.getByTestId('fleet-rejected').getByTestId('rejected-row');
    await page.locator('[data-testid="rejected-row"][data-reason="invalid_json"]').waitFor({ timeout: 5_000 });
    await page.getByTestId('fleet-rejected').locator('[data-testid="rejected-row"]:not([data-reason="invalid_json"])').first().waitFor();
    await page.getByTestId('rejected-reason-filter').selectOption('invalid_json');
    expect(new URL(page.url()).searchParams.get('reason')).toBe('invalid_json');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="fleet-rejected"] [data-testid="rejected-row"]')].every(
        (r) => r.getAttribute('data-reason') === 'invalid_json',
      ),
    );
    expect(await rejected.count()).toBe(1);
    await screenshots(page, 'sources');
    // The deep link reloads into the same view (the API serves the shell for /sources).
    await page.reload();
    await page.locator('[data-testid="rejected-row"][data-reason="invalid_json"]').waitFor();
    expect(await page.getByTestId('rejected-reason-filter').inputValue()).toBe('invalid_json');
    expect(await rejected.count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
