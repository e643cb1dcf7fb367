/**
 * The five views of docs/dashboard.md's screenshots: where each one is, and when it is ready to
 * be shot. Readiness is read from the page (test ids, the charts' data-* attributes), never
 * waited out with a sleep, so the script keeps working as the dashboard changes under it.
 */
import type { Page } from 'playwright-core';
import { BOILER, BOILER_FAULT_AGO_MS, SIM_DEVICES, SIM_IDS } from './fleet.ts';

export interface View {
  readonly name: string;
  /** The URL path and query, given the time the history ends at. */
  path(end: number): string;
  /** Waits until the view shows what it should, doing the clicks that set it up. */
  ready(page: Page, end: number): Promise<void>;
}

/** Every device of the fleet: the simulated ones, the boiler, the offline and the stale one. */
const FLEET_SIZE = SIM_DEVICES + 3;
const WAIT = { timeout: 30_000 } as const;

/** Every device chart on the page has drawn at least `points` points (and, if given, spans from..to). */
async function chartsDrawn(page: Page, points: number, window?: { from: number; to: number }): Promise<void> {
  await page.locator('[data-testid="chart"] canvas').first().waitFor(WAIT);
  await page.waitForFunction(
    ([min, w]) => {
      const canvases = [...document.querySelectorAll('[data-testid="chart"] canvas')];
      return (
        canvases.length > 0 &&
        canvases.every((c) => {
          if (Number(c.getAttribute('data-points')) < min) return false;
          if (!w) return true;
          return (
            Math.abs(Number(c.getAttribute('data-from')) - w.from) < 1_000 && Math.abs(Number(c.getAttribute('data-to')) - w.to) < 1_000
          );
        })
      );
    },
    [points, window ?? null] as const,
    WAIT,
  );
}

/** An hour from 25 min before the boiler's fault, to the minute. */
function zoomWindow(end: number): { from: number; to: number } {
  const from = Math.floor((end - BOILER_FAULT_AGO_MS - 25 * 60_000) / 60_000) * 60_000;
  return { from, to: from + 3_600_000 };
}

export const VIEWS: readonly View[] = [
  {
    name: 'overview',
    path: () => '/',
    async ready(page) {
      await page
        .locator('[data-testid="device-card"]')
        .nth(FLEET_SIZE - 1)
        .waitFor(WAIT);
      await page.locator('[data-testid="alert-row"]').first().waitFor(WAIT);
      // Every online card's sparkline has a good stretch of live readings behind it.
      await page.waitForFunction(() => {
        const online = [...document.querySelectorAll('[data-testid="device-card"][data-status="online"]')];
        return (
          online.length > 0 && online.every((card) => (card.querySelector('svg path')?.getAttribute('d')?.split(/[LM]/).length ?? 0) > 20)
        );
      }, WAIT);
    },
  },
  {
    name: 'compare',
    path: () => `/compare?devices=${SIM_IDS.slice(0, 3).join(',')}&metric=temperature&range=6h`,
    async ready(page) {
      await page.waitForFunction(() => {
        const canvas = document.querySelector('[data-testid="compare-chart"] canvas');
        const points = (canvas?.getAttribute('data-points') ?? '').split(',').map(Number);
        return canvas?.getAttribute('data-datasets') === '3' && points.every((n) => n > 100);
      }, WAIT);
    },
  },
  {
    name: 'alarm-table',
    path: () => '/alerts?show=all&severity=critical,warning',
    async ready(page) {
      const rows = page.locator('[data-testid="alarm-table"] [data-testid="alert-row"]');
      await rows.nth(3).waitFor(WAIT);
      await page.locator('[data-testid="alert-ack-note"]').first().waitFor(WAIT);
      // Two resolved, unacknowledged alerts picked for a bulk acknowledgement, with its note typed.
      const open = page.locator('[data-testid="alert-row"][data-state="resolved"][data-acknowledged="false"] [data-testid="alert-select"]');
      await open.nth(1).waitFor(WAIT);
      await open.nth(0).check();
      await open.nth(1).check();
      // The note is typed where the bar has a field for it (a dialog may ask for it instead).
      const note = page.locator('[data-testid="alarm-table"] input[data-testid="ack-note"]');
      if (await note.isVisible()) {
        await note.fill('Cleaning round');
        // Unfocused, as it is while the operator reaches for the button.
        await note.blur();
      }
      await page.waitForFunction(() => {
        const button = document.querySelector<HTMLButtonElement>('[data-testid="ack-selected"]');
        return button !== null && !button.disabled && /\b2\b/.test(button.textContent ?? '');
      }, WAIT);
    },
  },
  {
    name: 'registry-edit',
    path: () => `/devices/${SIM_IDS[0]}?range=6h`,
    async ready(page) {
      await chartsDrawn(page, 100);
      await page.getByTestId('device-edit').click();
      await page.getByTestId('device-edit-form').waitFor(WAIT);
      await page.getByTestId('device-edit-name').waitFor(WAIT);
    },
  },
  {
    // The window a drag across the boiler's chart writes: an hour around its climb past 40 °C.
    name: 'zoomed-chart',
    path: (end) => `/devices/${BOILER}?from=${zoomWindow(end).from}&to=${zoomWindow(end).to}`,
    async ready(page, end) {
      await chartsDrawn(page, 50, zoomWindow(end));
      await page.getByTestId('zoom-out').first().waitFor(WAIT);
    },
  },
];

/**
 * Fails if the page shows a loading notice or an error where the view should be: a screenshot
 * of either would document the wrong thing.
 */
export async function assertSettled(page: Page, view: string): Promise<void> {
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const problems = await page.evaluate(() => {
    const shown = [...document.querySelectorAll('[role="alert"], .notice')].filter(
      (el) => (el as HTMLElement).offsetParent !== null && (el.textContent ?? '').trim() !== '',
    );
    const errors = shown.filter((el) => el.matches('[role="alert"], .error')).map((el) => el.textContent!.trim());
    const loading = shown.filter((el) => /loading/i.test(el.textContent ?? '')).map((el) => el.textContent!.trim());
    const status = document.querySelector('[data-testid="connection-status"]')?.textContent?.trim() ?? '';
    return [...errors, ...loading, ...(/\blive\b/.test(status) ? [] : [`connection status "${status}"`])];
  });
  if (problems.length > 0) throw new Error(`${view}: the page is not settled: ${problems.join(' | ')}`);
}

/**
 * Every chart on the page has its data painted, read from the canvas pixels: its data-* attributes
 * say what was handed to Chart.js, not that the canvas shows it (a redraw can still be pending,
 * or have cleared it). A device chart needs `minInk` pixels of its line colour; the compare chart,
 * whose lines have several colours and no threshold lines, that many saturated pixels.
 */
export async function chartsPainted(page: Page, minInk = 300): Promise<string[]> {
  return page.evaluate((min) => {
    const probe = document.createElement('canvas').getContext('2d')!;
    const short: string[] = [];
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>(
      '[data-testid="chart"] canvas, [data-testid="compare-chart"] canvas',
    )) {
      const device = canvas.closest('[data-testid="chart"]') !== null;
      probe.fillStyle = getComputedStyle(canvas).getPropertyValue('--chart-line').trim() || '#000';
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 200) continue;
        const [pr, pg, pb] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (device ? Math.abs(pr - r!) + Math.abs(pg - g!) + Math.abs(pb - b!) < 60 : Math.max(pr, pg, pb) - Math.min(pr, pg, pb) > 80)
          ink++;
      }
      if (ink < min) short.push(`${canvas.closest('[data-metric]')?.getAttribute('data-metric') ?? 'compare'}: ${ink} px`);
    }
    return short;
  }, minInk);
}
