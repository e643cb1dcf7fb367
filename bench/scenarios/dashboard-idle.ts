/**
 * An idle device page: 12 charts of one device, no reading arriving. What it costs the browser
 * to keep it open, read in Chromium itself: long tasks (PerformanceObserver `longtask`, tasks over
 * 50 ms) per minute, the renderer's busy share of its main thread (CDP Performance.getMetrics
 * TaskDuration over the window), script time, and how often the charts redrew their data.
 */
import type { Browser } from 'playwright-core';
import type { TelemetryEntry } from '../../domain/reading.ts';
import type { SqliteStore } from '../../store/sqlite.ts';

export const IDLE_DEVICE = 'dash-idle';
export const IDLE_METRICS = Array.from({ length: 12 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);

/** An hour of readings every 10 s for the idle page's 12 metrics. */
export function fillIdleDevice(store: SqliteStore, now: number): void {
  const entries: TelemetryEntry[] = [];
  for (let s = 3_600; s > 0; s -= 10) {
    const values = Object.create(null) as Record<string, number>;
    for (const [i, m] of IDLE_METRICS.entries()) values[m] = Math.round((i * 10 + Math.sin(s / (300 + i * 40)) * 5) * 100) / 100;
    entries.push({ device: IDLE_DEVICE, ts: now - s * 1_000, values });
  }
  store.appendSync(entries, now);
}

export interface IdleCost {
  readonly seconds: number;
  readonly longTasksPerMinute: number;
  /** The longest of them, ms (0: none). */
  readonly longestTaskMs: number;
  /** % of the renderer main thread busy (TaskDuration / wall time). */
  readonly mainThreadPct: number;
  /** % of wall time spent running script. */
  readonly scriptPct: number;
  /** Data redraws of all 12 charts together, per minute. */
  readonly chartRedrawsPerMinute: number;
}

const LONGTASK_PROBE = `(() => {
  window.__longtasks = 0;
  window.__longest = 0;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__longtasks++;
        window.__longest = Math.max(window.__longest, e.duration);
      }
    }).observe({ type: 'longtask', buffered: false });
  } catch {}
})();`;

/** Opens `url` (a device page of IDLE_DEVICE), lets it settle, then measures `windowMs` of doing nothing. */
export async function measureIdle(browser: Browser, url: string, windowMs: number, settleMs = 5_000): Promise<IdleCost> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(LONGTASK_PROBE);
    await page.goto(url);
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-testid="chart"] canvas')].filter((c) => Number(c.getAttribute('data-points')) > 0).length >= n,
      IDLE_METRICS.length,
      { timeout: 20_000 },
    );
    await page.waitForTimeout(settleMs);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics');
      return Object.fromEntries(list.map((m) => [m.name, m.value])) as Record<string, number>;
    };
    // Mutations of data-points count data redraws (the old build rewrote it on every redraw too).
    await page.evaluate(() => {
      const w = window as unknown as { __redraws: number; __longtasks: number; __longest: number };
      w.__redraws = 0;
      w.__longtasks = 0;
      w.__longest = 0;
      new MutationObserver((records) => (w.__redraws += records.length)).observe(document.body, {
        attributes: true,
        subtree: true,
        attributeFilter: ['data-points'],
      });
    });
    const before = await metrics();
    const started = Date.now();
    await page.waitForTimeout(windowMs);
    const after = await metrics();
    const seconds = (Date.now() - started) / 1_000;
    const counts = await page.evaluate(() => {
      const w = window as unknown as { __redraws: number; __longtasks: number; __longest: number };
      return { redraws: w.__redraws, longtasks: w.__longtasks, longest: w.__longest };
    });
    const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    return {
      seconds,
      longTasksPerMinute: (counts.longtasks * 60) / seconds,
      longestTaskMs: counts.longest,
      mainThreadPct: (100 * delta('TaskDuration')) / seconds,
      scriptPct: (100 * delta('ScriptDuration')) / seconds,
      chartRedrawsPerMinute: (counts.redraws * 60) / seconds,
    };
  } finally {
    await context.close();
  }
}
