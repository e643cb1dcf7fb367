/**
 * Charts that fit real data, in headless Chromium against the real all-in-one (issue 17): a
 * report-on-change sensor draws as one stepped line while a steady device's outage still draws
 * as a gap; an idle device page does not redraw its charts, a reading redraws only its own
 * chart; the device page's one EventSource carries only its device.
 */
import type { MqttClient } from 'mqtt';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startDashboardVigil, type DashboardVigil } from './support.ts';

const MINUTE = 60_000;

let server: DashboardVigil;
let browser: Browser;
let page: Page;
let mqtt: MqttClient;

const canvas = (metric: string): Locator => page.locator(`[data-testid="chart"][data-metric="${metric}"] canvas`);
const batch = (device: string, entries: { ts: number; values: Record<string, number> }[]) =>
  mqtt.publishAsync(`devices/${device}/telemetry`, JSON.stringify(entries), { qos: 1 });

async function chartOf(metric: string): Promise<{ points: number; gaps: number; stepped: string | null }> {
  const c = canvas(metric);
  await c.and(page.locator('[data-points]:not([data-points="0"])')).waitFor({ timeout: 10_000 });
  return c.evaluate((el) => ({
    points: Number(el.getAttribute('data-points')),
    gaps: Number(el.getAttribute('data-gaps')),
    stepped: el.getAttribute('data-stepped'),
  }));
}

/**
 * A device page by URL, once it has settled: its history is asked for twice, the second time 3 s
 * after the first answer (the first was sent before the stream was open, state/history-prefetch.ts).
 */
async function openDevicePage(url: string): Promise<void> {
  let answered = 0;
  const onResponse = (res: { url(): string }) => void (res.url().includes('/readings') && answered++);
  page.on('response', onResponse);
  await page.goto(url);
  await expect.poll(() => answered, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  page.off('response', onResponse);
  await page.waitForTimeout(500);
}

beforeAll(async () => {
  server = await startDashboardVigil();
  mqtt = await connectClient(server.vigil!.brokerUrl);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
});

afterAll(async () => {
  await closeClients();
  await browser?.close();
  await server?.dispose();
});

describe('device charts', () => {
  it('draws a report-on-change sensor as one connected line, and a steady device’s outage as a gap', async () => {
    // 140 reports in the last hour: 20 bursts of 7, 5 s apart, each followed by 1-4 quiet minutes.
    const start = Date.now() - 58 * MINUTE;
    const zigbee: { ts: number; values: Record<string, number> }[] = [];
    let t = start;
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 7; i++) {
        zigbee.push({ ts: t, values: { temperature: 20 + burst / 10 + i / 100 } });
        t += 5_000;
      }
      t += ((burst % 4) + 1) * MINUTE;
    }
    await batch('zb-kitchen', zigbee);
    // Every 10 s for 50 min, with 5 silent minutes in the middle.
    const steady: { ts: number; values: Record<string, number> }[] = [];
    for (let ts = start; ts < start + 50 * MINUTE; ts += 10_000) {
      if (ts < start + 20 * MINUTE || ts >= start + 25 * MINUTE) steady.push({ ts, values: { level: 5 } });
    }
    await batch('steady-1', steady.slice(0, 150));
    await batch('steady-1', steady.slice(150));

    await page.goto(`${server.url}/devices/zb-kitchen`);
    const zb = await chartOf('temperature');
    expect(zb.points).toBeGreaterThanOrEqual(120);
    expect(zb.gaps).toBe(0);
    expect(zb.stepped).toBe('true');

    await page.goto(`${server.url}/devices/steady-1`);
    const st = await chartOf('level');
    expect(st.gaps).toBe(1);
    expect(st.stepped).toBe('false');
  });

  it('leaves an idle 12-metric page alone, redraws only the chart whose data changed, and streams only its device', async () => {
    const metrics = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const values = Object.fromEntries(metrics.map((m, i) => [m, i]));
    const now = Date.now();
    await batch(
      'busy-1',
      Array.from({ length: 30 }, (_, i) => ({ ts: now - (30 - i) * 2_000, values })),
    );
    const streams: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/api/stream')) streams.push(req.url());
    });
    await openDevicePage(`${server.url}/devices/busy-1?range=5m`);
    for (const m of metrics) await chartOf(m);

    // Every write of the canvases' data attributes is one redraw of that chart's data.
    await page.evaluate(() => {
      const w = window as unknown as { redraws: Record<string, number> };
      w.redraws = {};
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.attributeName !== 'data-points') continue;
          const metric = (r.target as Element).closest('[data-metric]')?.getAttribute('data-metric') ?? '?';
          w.redraws[metric] = (w.redraws[metric] ?? 0) + 1;
        }
      }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-points'] });
    });
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await page.evaluate(() => (window as unknown as { redraws: Record<string, number> }).redraws)).toEqual({});

    await mqtt.publishAsync('devices/busy-1/telemetry', JSON.stringify({ m03: 42 }), { qos: 1 });
    await page.getByTestId('metric-value').and(page.locator('[data-metric="m03"]')).filter({ hasText: '42' }).waitFor({ timeout: 3_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const after = await page.evaluate(() => (window as unknown as { redraws: Record<string, number> }).redraws);
    expect(Object.keys(after)).toEqual(['m03']);

    expect(streams.at(-1)).toContain('devices=busy-1');
  });

  it('slides the time axes of the charts in view a few per frame, and leaves the ones scrolled away alone', async () => {
    // On 5m a pixel is worth under a second, so every chart's axis is due to slide every second.
    await openDevicePage(`${server.url}/devices/busy-1?range=5m`);
    for (const m of ['m00', 'm11']) await chartOf(m);
    await page.evaluate(() => {
      const w = window as unknown as { slides: { frame: number; metric: string }[] };
      w.slides = [];
      // document.timeline.currentTime is one value for everything run in the same frame.
      new MutationObserver((records) => {
        for (const r of records) {
          const metric = (r.target as Element).closest('[data-metric]')?.getAttribute('data-metric') ?? '?';
          w.slides.push({ frame: Number(document.timeline.currentTime), metric });
        }
      }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-to'] });
    });
    await new Promise((r) => setTimeout(r, 4_000));
    const slides = await page.evaluate(() => (window as unknown as { slides: { frame: number; metric: string }[] }).slides);
    const perFrame = new Map<number, number>();
    for (const s of slides) perFrame.set(s.frame, (perFrame.get(s.frame) ?? 0) + 1);
    const slid = new Set(slides.map((s) => s.metric));
    expect(slid.has('m00')).toBe(true);
    // m11 is far below the fold at 860 px: it catches up when scrolled to, not before.
    expect(slid.has('m11')).toBe(false);
    expect(Math.max(...perFrame.values())).toBeLessThanOrEqual(3);

    await canvas('m11').scrollIntoViewIfNeeded();
    const before = Number(await canvas('m11').getAttribute('data-to'));
    await page.waitForFunction((t) => Number(document.querySelector('[data-metric="m11"] canvas')?.getAttribute('data-to')) > t, before, {
      timeout: 3_000,
    });
  });

  it('asks for a deep-linked device page’s history while its chunk is still loading, and its chunk before the entry has run', async () => {
    // Issue 18: history used to be requested only after the device page's chunk (Chart.js) had
    // arrived and run, and that chunk only after the entry script had run.
    const now = Date.now();
    await batch(
      'deep-1',
      Array.from({ length: 30 }, (_, i) => ({ ts: now - (30 - i) * 5_000, values: { t: i } })),
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const fresh = await context.newPage();
      const events: string[] = [];
      const waitFor = async (what: string) => {
        // Bounded: the old order never gets there, and then the step goes on after 3 s.
        for (let i = 0; i < 60 && !events.includes(what); i++) await new Promise((r) => setTimeout(r, 50));
      };
      // The entry is held until the page chunk has been asked for: only a shell that preloads it can.
      await fresh.route(/\/assets\/index-[^/]+\.js$/, async (route) => {
        await waitFor('page chunk asked with the entry');
        events.push('entry sent');
        await route.continue();
      });
      await fresh.route(/\/assets\/DevicePage-[^/]+\.js$/, async (route) => {
        events.push(events.includes('entry sent') ? 'page chunk asked after the entry' : 'page chunk asked with the entry');
        // The chunk is held until the history has been asked for: only the entry can have asked.
        await waitFor('history asked');
        events.push('page chunk sent');
        await route.continue();
      });
      const histories: string[] = [];
      fresh.on('request', (req) => {
        if (!req.url().includes('/readings')) return;
        histories.push(req.url());
        events.push('history asked');
      });
      await fresh.goto(`${server.url}/devices/deep-1?range=5m`);
      await fresh.locator('[data-testid="chart"][data-metric="t"] canvas:not([data-points="0"])[data-points]').waitFor({ timeout: 10_000 });
      expect(events.indexOf('page chunk asked with the entry')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('page chunk asked with the entry')).toBeLessThan(events.indexOf('entry sent'));
      expect(events.indexOf('history asked')).toBeLessThan(events.indexOf('page chunk sent'));
      // The page took the request in flight rather than asking again (it checks once more after 3 s,
      // the stream having opened after the request was sent).
      expect(histories).toHaveLength(1);
      expect(histories[0]).toContain('from=-5m');
    } finally {
      await context.close();
    }
  });
});
