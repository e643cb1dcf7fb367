/**
 * Accessibility in headless Chromium against the real all-in-one: axe-core runs on every view
 * (overview, a device page, compare, alerts, rules and the rule editor) in light and dark, on a desktop
 * and a phone-wide viewport, with online, stale and offline devices and firing warning and
 * critical alerts on screen, and fails on any `serious` or `critical` violation. The sign-in
 * dialog hands focus back to the control that opened it.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { BLOCKING, describeViolation, runAxe, shows, startDashboardVigil, THEMES, VIEWPORTS, type DashboardVigil } from './support.ts';

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let mqtt: MqttClient;

const publish = (device: string, values: Record<string, number>) =>
  mqtt.publishAsync(`devices/${device}/telemetry`, JSON.stringify(values), { qos: 1 });

async function rule(name: string, severity: string): Promise<void> {
  const res = await fetch(`${server.url}/api/rules`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      device: 'boiler-1',
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

/** Each view, and what shows it has finished loading. */
const VIEWS = [
  { name: 'overview', path: '/', ready: '[data-testid="device-card"][data-status="offline"]' },
  { name: 'device', path: '/devices/boiler-1', ready: '[data-testid="chart"] canvas' },
  { name: 'compare', path: '/compare?devices=boiler-1,quiet-1&metric=temp', ready: '[data-testid="compare-chart"] canvas' },
  { name: 'alerts', path: '/alerts', ready: '[data-testid="alert-row"]' },
  { name: 'rules', path: '/rules', ready: '[data-testid="rule-row"]' },
  { name: 'rule-editor', path: '/rules/new', ready: '[data-testid="rule-form"]' },
] as const;

const axe = () => runAxe(page);

beforeAll(async () => {
  server = await startDashboardVigil({ SIM_DEVICES: '1', STALE_AFTER: '2s' });
  mqtt = await connectClient(server.vigil!.brokerUrl);
  await rule('Boiler warm', 'warning');
  await rule('Boiler hot', 'critical');
  // A registry name and unit, so the views show a name with its id beneath and units.
  const named = await fetch(`${server.url}/api/devices/boiler-1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Boiler room', labels: {}, units: { temp: '°C' } }),
  });
  await named.body?.cancel();
  expect(named.status).toBe(200);
  await publish('quiet-1', { temperature: 18 });
  await publish('gone-1', { temperature: 19 });
  await new Promise((r) => setTimeout(r, 300));
  await mqtt.publishAsync('devices/gone-1/status', 'offline', { qos: 1, retain: true });
  // Rules reach ingest within 2 s: publish until both alerts fire.
  const end = Date.now() + 10_000;
  for (;;) {
    await publish('boiler-1', { temp: 60 + Math.random() });
    const res = await fetch(`${server.url}/api/alerts?state=active`, { headers: { authorization: `Bearer ${server.token}` } });
    const body: unknown = await res.json();
    if (Array.isArray(body) && body.length >= 2) break;
    if (Date.now() > end) throw new Error(`alerts did not fire: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('dashboard accessibility', () => {
  it('has no serious or critical axe violation on any view, theme or width', async () => {
    await page.goto(server.url);
    await shows(page.getByTestId('connection-status'), 'live', 5_000);
    await shows(page.locator('[data-device="quiet-1"] [data-testid="device-status"]'), 'stale', 8_000);
    const blocking: string[] = [];
    const counts: string[] = [];
    for (const theme of THEMES) {
      // The theme toggle's stored choice, read when the page loads.
      await page.evaluate((t) => localStorage.setItem('vigil.theme', t), theme);
      for (const size of Object.values(VIEWPORTS)) {
        await page.setViewportSize(size);
        for (const view of VIEWS) {
          await page.goto(`${server.url}${view.path}`);
          await page.waitForFunction((t) => document.documentElement.dataset['theme'] === t, theme);
          await page.locator(view.ready).first().waitFor();
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const violations = await axe();
          const where = `${view.name} ${theme} ${size.width}px`;
          const bad = violations.filter((v) => BLOCKING.has(v.impact ?? ''));
          counts.push(
            `${where}: ${bad.length} serious/critical, ${violations.length} total [${violations.map((v) => `${v.id}:${v.impact}`).join(' ')}]`,
          );
          blocking.push(...bad.map((v) => describeViolation(where, v)));
        }
      }
    }
    console.log(`axe per view:\n${counts.join('\n')}`);
    if (blocking.length > 0) console.log(blocking.join('\n'));
    expect(blocking).toEqual([]);
  }, 120_000);

  it('hands focus back to the sign-in button when the dialog closes, by Escape, Cancel or signing in', async () => {
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.goto(`${server.url}/alerts`);
    const opener = page.getByTestId('sign-in');
    const dialog = page.getByTestId('sign-in-dialog');
    const openerFocused = () => opener.evaluate((el) => document.activeElement === el);

    await opener.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('signin-token');
    const dialogViolations = (await axe()).filter((v) => BLOCKING.has(v.impact ?? ''));
    expect(dialogViolations.map((v) => describeViolation('sign-in dialog', v))).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await openerFocused()).toBe(true);

    await opener.click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await openerFocused()).toBe(true);

    // Signed in, the same button (now Sign out) has the focus back.
    const button = page.getByRole('button', { name: 'Sign in' });
    await button.click();
    await page.locator('#signin-token').fill(server.token);
    await page.keyboard.press('Enter');
    await page.getByTestId('session-user').waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Sign out');
  });
});
