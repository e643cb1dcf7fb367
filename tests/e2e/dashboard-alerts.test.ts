/**
 * Alerts and rules in headless Chromium against the real all-in-one: a firing alert shows as an
 * alert-row and is acknowledged after signing in through the dialog (the token becomes the
 * HttpOnly session cookie); a rule written in the editor shows the API's validation next to the
 * field, previews its transitions on the chart, and once saved fires on matching readings; rules
 * are edited, disabled and deleted; thresholds are drawn on the device chart. Screenshots of the
 * alert panel and the rules editor.
 */
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import {
  canvasInk,
  SCREENSHOT_DIR,
  screenshots,
  shows,
  startDashboardVigil,
  VIEWPORTS,
  watchConsole,
  type DashboardVigil,
} from './support.ts';

const DEVICE = 'boiler-1';
const TOPIC = `devices/${DEVICE}/telemetry`;

interface AlertDoc {
  id: string;
  ruleId: string;
  state: string;
  acknowledged: boolean;
}
interface RuleDoc {
  id: string;
  name: string;
  enabled: boolean;
  value?: number;
}

let server: DashboardVigil;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let mqtt: MqttClient;

const publish = (values: Record<string, number>) => mqtt.publishAsync(TOPIC, JSON.stringify(values), { qos: 1 });

async function apiJson<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Publishes `values` every 250 ms until `locator` reaches `state` (rules reach ingest within 2 s,
 * and the alerter starts evaluating a moment after ingest starts).
 */
async function publishUntil(
  locator: Locator,
  values: Record<string, number>,
  state: 'visible' | 'detached' = 'visible',
  timeout = 8_000,
): Promise<void> {
  let done = false;
  const seen = locator
    .first()
    .waitFor({ state, timeout })
    .then(
      () => ((done = true), null),
      (err: unknown) => ((done = true), err),
    );
  while (!done) {
    await publish(values);
    await new Promise((r) => setTimeout(r, 250));
  }
  const err = await seen;
  if (err) throw err;
}

const row = (ruleId: string) => page.locator(`[data-testid="alert-row"][data-rule="${ruleId}"]`);
/** Uncaught errors only: a refused sign-in is a 401 the browser logs by itself. */
const uncaught = () => errors.filter((e) => e.startsWith('pageerror'));

beforeAll(async () => {
  server = await startDashboardVigil();
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  // Fail at the step that is stuck, well inside the test's own timeout.
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  errors = watchConsole(page);
  await publish({ temperature: 20 });
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('alerts and rules in the dashboard', () => {
  let hot: RuleDoc;

  it('shows a firing alert as alert-row; signing in and pressing ack-button acknowledges it', async () => {
    const created = await apiJson<RuleDoc>('/api/rules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Boiler hot',
        device: DEVICE,
        metric: 'temperature',
        type: 'threshold',
        op: 'above',
        value: 50,
        hysteresis: 1,
        for: 0,
        severity: 'critical',
        enabled: true,
      }),
    });
    expect(created.status).toBe(201);
    hot = created.body;

    await page.goto(server.url);
    await shows(page.getByTestId('connection-status'), 'live', 5_000);
    await publishUntil(row(hot.id), { temperature: 60 });
    expect(await row(hot.id).getAttribute('data-state')).toBe('firing');
    await shows(page.getByTestId('firing-count'), '1');
    expect(await page.locator(`[data-testid="device-card"][data-device="${DEVICE}"]`).getAttribute('data-firing')).toBe('true');

    // Not signed in: the button asks for the token first, and a wrong one is refused.
    await row(hot.id).getByTestId('ack-button').click();
    const dialog = page.getByTestId('sign-in-dialog');
    await dialog.waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'sign-in-desktop-light.png') });
    await dialog.getByLabel('Operator token').fill('not-the-token');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.getByText('That is not the operator token.').waitFor();
    await dialog.getByLabel('Operator token').fill(server.token);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.locator(`[data-testid="alert-row"][data-rule="${hot.id}"][data-acknowledged="true"]`).waitFor();
    await page.getByTestId('session-user').waitFor();
    const active = await apiJson<AlertDoc[]>('/api/alerts?state=active');
    expect(active.body.find((a) => a.ruleId === hot.id)).toMatchObject({ state: 'firing', acknowledged: true });

    // The session is an HttpOnly cookie: present for the server, invisible to scripts.
    const cookies = await context.cookies(server.url);
    expect(cookies.find((c) => c.name === 'vigil_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('vigil_session');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(server.token);

    // Resolved and acknowledged: off the overview's to-do list, still on the full list.
    await publishUntil(row(hot.id), { temperature: 20 }, 'detached');
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await page.getByRole('link', { name: 'All recent' }).click();
    await page.locator(`[data-testid="alert-row"][data-rule="${hot.id}"][data-state="resolved"][data-acknowledged="true"]`).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('sign-in').waitFor();
    expect(uncaught()).toEqual([]);
  });

  it('makes a rule in the editor, with validation and a preview, that fires when matching readings arrive', async () => {
    // An excursion for the preview to find.
    await publish({ temperature: 45 });
    await publish({ temperature: 20 });
    // From the device's chart, which fills in the device and the metric.
    await page.goto(`${server.url}/devices/${DEVICE}?range=15m`);
    await page.locator('[data-testid="chart"][data-metric="temperature"] canvas').waitFor({ timeout: 5_000 });
    await page.getByRole('link', { name: '+ Rule' }).click();
    await page.waitForURL(/\/rules\/new\?device=boiler-1&metric=temperature/);
    const form = page.getByTestId('rule-form');
    expect(await form.getByLabel('Device', { exact: true }).inputValue()).toBe(DEVICE);
    expect(await form.getByLabel('Metric', { exact: true }).inputValue()).toBe('temperature');

    // The form shows the fields of the kind of rule chosen.
    await form.getByLabel('a device goes silent').check();
    await form.getByLabel('Silent for (seconds)').waitFor();
    expect(await form.getByLabel('Limit', { exact: true }).count()).toBe(0);
    await form.getByLabel('a value crosses a limit').check();
    await form.getByLabel('Condition').selectOption('outside');
    expect(await form.getByLabel('Low', { exact: true }).count()).toBe(1);
    await form.getByLabel('Condition').selectOption('above');

    // No limit: saving signs in first, then the API's verdict shows next to the Limit field.
    await form.getByLabel('Name', { exact: true }).fill('Boiler warm');
    await page.getByTestId('rule-save').click();
    const dialog = page.getByTestId('sign-in-dialog');
    await dialog.getByLabel('Operator token').fill(server.token);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    const valueError = page.locator('[data-testid="field-error"][data-field="value"]');
    await valueError.waitFor();
    expect(await valueError.textContent()).toMatch(/value is required/);
    expect(await form.getByLabel('Limit', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toContain('/rules/new');

    // With a limit the preview finds the excursions above 40 and draws them on the chart.
    await form.getByLabel('Limit', { exact: true }).fill('40');
    await valueError.waitFor({ state: 'detached' });
    const preview = page.getByTestId('rule-preview');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="rule-preview"]')?.getAttribute('data-transitions')) >= 1,
      null,
      { timeout: 5_000 },
    );
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText(), not the DOM property: the text as rendered
    expect(await preview.innerText()).toMatch(/would have fired \d+ times? on 1 device\./);
    const previewInk = await canvasInk(preview.locator('canvas'), '--sev-warning');
    expect(previewInk.matching).toBeGreaterThan(50);

    await page.getByTestId('rule-save').click();
    await page.waitForURL(/\/rules$/);
    const listed = page.getByTestId('rule-row').filter({ hasText: 'Boiler warm' });
    await listed.waitFor();
    const rule = (await apiJson<RuleDoc[]>('/api/rules')).body.find((r) => r.name === 'Boiler warm')!;
    expect(rule).toMatchObject({ value: 40, enabled: true });

    // Matching readings fire it.
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await publishUntil(row(rule.id), { temperature: 45 });
    expect(await row(rule.id).getAttribute('data-state')).toBe('firing');

    // Its limit is drawn on the device's chart.
    await page.goto(`${server.url}/devices/${DEVICE}?range=15m`);
    const chart = page.locator('[data-testid="chart"][data-metric="temperature"] canvas');
    await chart.waitFor({ timeout: 5_000 });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-metric="temperature"] canvas')?.getAttribute('data-points')) >= 2,
      null,
      { timeout: 5_000 },
    );
    await page.waitForTimeout(300);
    expect((await canvasInk(chart, '--sev-warning')).matching).toBeGreaterThan(50);
    expect((await canvasInk(chart, '--sev-critical')).matching).toBeGreaterThan(50);
    await publish({ temperature: 20 });

    // Edit, disable, delete.
    await page.goto(`${server.url}/rules`);
    await listed.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(new RegExp(`/rules/${rule.id}$`));
    expect(await form.getByLabel('Limit', { exact: true }).inputValue()).toBe('40');
    await form.getByLabel('Limit', { exact: true }).fill('70');
    await page.getByTestId('rule-save').click();
    await page.waitForURL(/\/rules$/);
    await listed.getByText('temperature above 70').waitFor();

    await listed.getByTestId('rule-enabled').click();
    await page.locator(`[data-testid="rule-row"][data-rule="${rule.id}"][data-enabled="false"]`).waitFor();
    expect((await apiJson<RuleDoc[]>('/api/rules')).body.find((r) => r.id === rule.id)).toMatchObject({ enabled: false, value: 70 });

    await listed.getByTestId('rule-delete').click();
    await listed.getByTestId('rule-delete-confirm').click();
    await listed.waitFor({ state: 'detached' });
    expect((await apiJson<RuleDoc[]>('/api/rules')).body.some((r) => r.id === rule.id)).toBe(false);
    expect(uncaught()).toEqual([]);
  });

  it('saves screenshots of the alert panel and the rules editor, light and dark, phone and desktop', async () => {
    await page.goto(`${server.url}/alerts`);
    await publishUntil(row(hot.id), { temperature: 61.5 });
    const alerts = await screenshots(page, 'alerts');
    await page.goto(`${server.url}/`);
    await row(hot.id).waitFor();
    const overview = await screenshots(page, 'overview-alert');

    await page.goto(`${server.url}/rules/new?device=${DEVICE}&metric=temperature`);
    await page.getByTestId('rule-form').getByLabel('Name', { exact: true }).fill('Boiler very hot');
    await page.getByTestId('rule-form').getByLabel('Limit', { exact: true }).fill('55');
    const previewed = async () => {
      await page.waitForFunction(
        () => Number(document.querySelector('[data-testid="rule-preview"]')?.getAttribute('data-transitions')) >= 1,
        null,
        { timeout: 5_000 },
      );
    };
    const editor = await screenshots(page, 'rules-editor', previewed);
    await page.goto(`${server.url}/rules`);
    await page.getByTestId('rule-row').first().waitFor();
    const list = await screenshots(page, 'rules');
    expect([...alerts, ...overview, ...editor, ...list]).toHaveLength(16);
    expect(uncaught()).toEqual([]);
  });
});
