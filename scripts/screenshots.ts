/**
 * `npm run screenshots`: the PNGs of docs/dashboard.md, made again from the current sources.
 *
 * Builds the dashboard into a temp dir and starts the all-in-one on free loopback ports with its
 * store there (tests/e2e/support.ts), seeds a fleet with hours of history, live readings with
 * anomalies, rules, registry entries and an acknowledged alert (scripts/screenshots/fleet.ts),
 * then shoots every view of scripts/screenshots/views.ts in Debian's Chromium at 1280x800 and
 * 390x844, light and dark, to docs/screenshots/<view>-<theme>-<width>.png. Everything it
 * started is stopped by its handle, on failure and on Ctrl-C too.
 *
 *   npm run screenshots                        # all 20
 *   npm run screenshots -- --only overview,compare   # some views (4 files each), while working on them
 *   npm run screenshots -- --out /tmp/shots    # somewhere else
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../tests/helpers/chromium.ts';
import { connectClient } from '../tests/helpers/mqtt.ts';
import { startDashboardVigil, type DashboardVigil } from '../tests/e2e/support.ts';
import {
  acknowledgeOne,
  createDefaultRules,
  listAlerts,
  seedHistory,
  seedRegistry,
  startLive,
  STALE,
  type Api,
  type LiveFleet,
} from './screenshots/fleet.ts';
import { assertSettled, chartsPainted, VIEWS, type View } from './screenshots/views.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const THEMES = ['light', 'dark'] as const;
type Viewport = (typeof VIEWPORTS)[number];
type Theme = (typeof THEMES)[number];
const TOKEN = 'screenshots-operator-token';
/** A file past this is worth a look (JPEG, a smaller view); the script only warns. */
const SIZE_BUDGET = 250 * 1024;
/** The whole run, so a stuck step cannot hold the ports forever. */
const RUN_TIMEOUT_MS = 10 * 60_000;

const log = (message: string) => process.stderr.write(`screenshots: ${message}\n`);

/** Polls `probe` every 250 ms until it returns true. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Running {
  server?: DashboardVigil;
  mqtt?: MqttClient;
  live?: LiveFleet;
  browser?: Browser;
}

/** Stops what was started, newest first; each step runs even if an earlier one failed. */
async function stopAll(running: Running): Promise<void> {
  const steps: [string, (() => Promise<unknown>) | undefined][] = [
    ['browser', running.browser && (() => running.browser!.close())],
    ['live fleet', running.live && (() => running.live!.stop())],
    ['mqtt client', running.mqtt && (() => running.mqtt!.endAsync(true))],
    ['vigil', running.server && (() => running.server!.dispose())],
  ];
  for (const [name, stop] of steps) {
    try {
      await stop?.();
    } catch (err) {
      log(`stopping the ${name} failed: ${String(err)}`);
    }
  }
}

/** The fleet, ready to be shot: history in, alerts fired, one acknowledged, the quiet device stale. */
async function seed(running: Running): Promise<{ api: Api; end: number }> {
  log('building the dashboard and starting Vigil');
  const server = (running.server = await startDashboardVigil({ VIGIL_TOKEN: TOKEN, STALE_AFTER: '20s', SIM_DEVICES: '0' }));
  const api: Api = { url: server.url, token: server.token };
  const brokerUrl = server.vigil!.brokerUrl;
  const mqtt = (running.mqtt = await connectClient(brokerUrl));
  await createDefaultRules(api);
  // Rules reach ingest within 2 s (SPEC); the history must be evaluated against them.
  await new Promise((r) => setTimeout(r, 2_500));
  const end = Date.now();
  log('publishing six hours of history');
  await seedHistory(mqtt, end);
  running.live = await startLive(mqtt, brokerUrl);
  await seedRegistry(api);
  await until('the boiler alert firing and three resolved alerts', async () => {
    const alerts = await listAlerts(api);
    return (
      alerts.some((a) => a.state === 'firing' && a.severity === 'critical') && alerts.filter((a) => a.state === 'resolved').length >= 3
    );
  });
  await acknowledgeOne(api);
  await until(`${STALE} stale`, async () => {
    const res = await fetch(`${api.url}/api/devices/${STALE}`);
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null && 'status' in body && body.status === 'stale';
  });
  return { api, end };
}

async function signedInContext(browser: Browser, api: Api, viewport: Viewport, theme: Theme): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    colorScheme: theme,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  context.setDefaultTimeout(30_000);
  // The header then shows "Operator" and "Sign out", as for the person using it.
  const res = await context.request.post(`${api.url}/api/session`, { data: { token: api.token } });
  if (!res.ok()) throw new Error(`signing in failed: ${res.status()} ${await res.text()}`);
  return context;
}

/**
 * The viewport grows to the page's whole height before the checks, so the screenshot is of the
 * layout that was checked (a full-page screenshot would resize, and redraw, after them).
 */
async function growToPage(page: Page, base: Viewport): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const height = Math.max(base.height, await page.evaluate(() => document.documentElement.scrollHeight));
    if (height === page.viewportSize()?.height) return;
    await page.setViewportSize({ width: base.width, height });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
}

/** One view, checked and shot; a view whose charts are not painted is loaded again, up to three times. */
async function shootView(
  context: BrowserContext,
  api: Api,
  view: View,
  end: number,
  theme: Theme,
  viewport: Viewport,
  file: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const page = await context.newPage();
    try {
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${api.url}${view.path(end)}`);
      await page.waitForFunction((t) => document.documentElement.dataset['theme'] === t, theme);
      await page
        .getByTestId('connection-status')
        .filter({ hasText: /^\s*live\s*$/ })
        .waitFor();
      await view.ready(page, end);
      await growToPage(page, viewport);
      await assertSettled(page, view.name);
      if (errors.length > 0) throw new Error(`${view.name}: uncaught errors in the page: ${errors.join(' | ')}`);
      const unpainted = await chartsPainted(page);
      if (unpainted.length === 0) {
        await page.screenshot({ path: file });
        return;
      }
      if (attempt === 3) throw new Error(`${view.name}: charts not painted after ${attempt} loads: ${unpainted.join(', ')}`);
      log(`${view.name} ${theme} ${viewport.width}: charts not painted (${unpainted.join(', ')}), loading it again`);
    } finally {
      await page.close();
    }
  }
}

/** The views `--only` names (all without it); an unknown name fails before anything starts. */
function chooseViews(only: string | undefined): readonly View[] {
  const wanted = only?.split(',').map((v) => v.trim());
  const unknown = wanted?.filter((name) => !VIEWS.some((v) => v.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`no view called "${unknown.join('", "')}" (${VIEWS.map((v) => v.name).join(', ')})`);
  return VIEWS.filter((v) => wanted === undefined || wanted.includes(v.name));
}

async function shoot(running: Running, api: Api, end: number, out: string, views: readonly View[]): Promise<string[]> {
  // Playwright's own Ctrl-C handling would kill the browser and exit before Vigil is stopped and
  // its temp dir removed; stopAll closes the browser instead.
  const browser = (running.browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  }));
  const files: string[] = [];
  for (const viewport of VIEWPORTS) {
    for (const theme of THEMES) {
      const context = await signedInContext(browser, api, viewport, theme);
      for (const view of views) {
        const file = join(out, `${view.name}-${theme}-${viewport.width}.png`);
        await shootView(context, api, view, end, theme, viewport, file);
        files.push(file);
        log(`${relative(ROOT, file)}`);
      }
      await context.close();
    }
  }
  return files;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const views = chooseViews(values.only);
  const out = values.out ?? join(ROOT, 'docs/screenshots');
  await mkdir(out, { recursive: true });
  const running: Running = {};
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll(running));
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void stop().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = setTimeout(() => onSignal('SIGTERM'), RUN_TIMEOUT_MS);
  try {
    const { api, end } = await seed(running);
    const files = await shoot(running, api, end, out, views);
    for (const file of files) {
      const { size } = await stat(file);
      const note = size > SIZE_BUDGET ? '  over the 250 KB budget' : '';
      process.stdout.write(`${relative(ROOT, file)}\t${Math.round(size / 1024)} KB${note}\n`);
    }
  } finally {
    clearTimeout(timer);
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
