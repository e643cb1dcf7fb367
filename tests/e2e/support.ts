/**
 * What the dashboard's browser tests share: a freshly built dashboard served by a real
 * all-in-one Vigil, a console watcher, canvas pixel checks and screenshots of the main views.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { startVigil, type VigilHandle } from '../../app/main.ts';
import { parseConfig, type VigilConfig } from '../../lib/config.ts';
import { freePort } from '../helpers/ports.ts';

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../.vigil-tmp/screenshots/', import.meta.url));

export interface DashboardVigil {
  readonly config: VigilConfig;
  readonly dir: string;
  readonly dashboardDir: string;
  /** The running server; null between stop() and start(). */
  vigil: VigilHandle | null;
  readonly url: string;
  readonly token: string;
  /** Starts it again on the same ports and store. */
  start(): Promise<VigilHandle>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Builds the current dashboard sources into the test's own temp dir (so tests cannot race
 * another build of dashboard/dist) and starts the all-in-one on free loopback ports with it.
 */
export async function startDashboardVigil(env: Record<string, string> = {}): Promise<DashboardVigil> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-e2e-'));
  const dashboardDir = join(dir, 'dist');
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
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const first = await startVigil(config, { dashboardDir });
  const handle: DashboardVigil = {
    config,
    dir,
    dashboardDir,
    vigil: first,
    url: first.url,
    token: first.token,
    async start() {
      handle.vigil = await startVigil(config, { dashboardDir });
      return handle.vigil;
    },
    async stop() {
      const running = handle.vigil;
      handle.vigil = null;
      await running?.stop();
    },
    async dispose() {
      await handle.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Console errors and uncaught exceptions of a page, as text. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Waits for `locator` to show exactly `text`; the timeout is the product's promise, not slack. */
export async function shows(locator: Locator, text: string, timeout = 2_000): Promise<void> {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await locator.filter({ hasText: exact }).first().waitFor({ timeout });
}

export interface CanvasInk {
  readonly width: number;
  readonly height: number;
  /** Pixels with any paint on them. */
  readonly painted: number;
  /** Pixels within a small distance of `colour`. */
  readonly matching: number;
}

/**
 * Reads a canvas's pixels in the page. `colourVar` names a CSS variable on the canvas (for
 * example --chart-line) whose colour is counted separately.
 */
export async function canvasInk(canvas: Locator, colourVar: string): Promise<CanvasInk> {
  return canvas.evaluate((element, name) => {
    const el = element as HTMLCanvasElement;
    const probe = document.createElement('canvas').getContext('2d')!;
    probe.fillStyle = getComputedStyle(el).getPropertyValue(name).trim();
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
    let painted = 0;
    let matching = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! === 0) continue;
      painted++;
      if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 40) matching++;
    }
    return { width: el.width, height: el.height, painted, matching };
  }, colourVar);
}

export const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;
export const THEMES = ['light', 'dark'] as const;

/**
 * Screenshots of the current view in light and dark, on a desktop and a phone-sized viewport,
 * as .vigil-tmp/screenshots/<name>-<viewport>-<theme>.png. The theme follows the emulated system
 * preference (the page has no stored choice); charts are given a moment to redraw. Leaves the
 * page on the desktop viewport in light.
 */
export async function screenshots(page: Page, name: string, ready?: () => Promise<void>): Promise<string[]> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const files: string[] = [];
  for (const [viewport, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.waitForFunction((t) => document.documentElement.dataset['theme'] === t, theme);
      await ready?.();
      // Two frames: layout after the resize, then Chart.js's redraw.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const file = join(SCREENSHOT_DIR, `${name}-${viewport}-${theme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    }
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.emulateMedia({ colorScheme: 'light' });
  return files;
}

// Evaluated through the DevTools protocol, which the dashboard's CSP (script-src 'self') allows,
// unlike an injected <script> tag.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The axe impacts a test fails on. */
export const BLOCKING: ReadonlySet<string> = new Set(['serious', 'critical']);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core in the page; returns every violation (all impacts). */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } };
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
}

export function describeViolation(where: string, v: AxeViolation): string {
  const nodes = v.nodes.map((n) => `    ${JSON.stringify(n.target)}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').trim()}`);
  return `${where} ${v.impact} ${v.id} (${v.help}):\n${nodes.join('\n')}`;
}

/** The serious and critical violations on the current page, described, across both themes and widths. */
export async function blockingViolations(page: Page, name: string, ready?: () => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  for (const size of Object.values(VIEWPORTS)) {
    await page.setViewportSize(size);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.waitForFunction((t) => document.documentElement.dataset['theme'] === t, theme);
      await ready?.();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const bad = (await runAxe(page)).filter((v) => BLOCKING.has(v.impact ?? ''));
      out.push(...bad.map((v) => describeViolation(`${name} ${theme} ${size.width}px`, v)));
    }
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.emulateMedia({ colorScheme: 'light' });
  return out;
}
