/**
 * `npx tsx bench/profile-dashboard.ts [idle|first] [seconds]`: what the dashboard's device page
 * spends its main thread on, named from a Chromium trace (CDP Tracing), on the benchmark's own
 * stack and data (bench/scenarios/dashboard.ts). Not a benchmark: a tool to find what to fix.
 *
 * - `idle` (default): the 12-chart idle page; every renderer main-thread task over 50 ms in the
 *   window, with what it ran (trace event names and their summed durations), and the busiest
 *   event kinds over all tasks.
 * - `first`: the 2-metric device page's first load, five times: when each script and the
 *   history request started and ended, and when the first chart was drawn.
 *
 * Uses `dashboard/dist` as it is (run `npm run build:dashboard` first).
 */
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../tests/helpers/chromium.ts';
import { scoped, sleep } from './harness/scope.ts';
import { startStack } from './harness/vigil.ts';
import { DEVICE, fillStore } from './scenarios/dashboard.ts';
import { IDLE_DEVICE, IDLE_METRICS } from './scenarios/dashboard-idle.ts';

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string; readonly data?: { readonly functionName?: string; readonly url?: string } };
}

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'cc'].join(',');

async function trace(cdp: CDPSession, seconds: number): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await sleep(seconds * 1_000);
  await cdp.send('Tracing.end');
  await done;
  return events;
}

/** The complete events of the renderer main threads (CrRendererMain), by thread. */
function mainThreadEvents(events: readonly TraceEvent[]): TraceEvent[] {
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  return events.filter((e) => e.ph === 'X' && e.dur !== undefined && main.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts);
}

const label = (e: TraceEvent) => (e.args?.data?.functionName ? `${e.name}(${e.args.data.functionName})` : e.name);

function summarise(inside: readonly TraceEvent[]): string {
  const byName = new Map<string, number>();
  for (const e of inside) byName.set(label(e), (byName.get(label(e)) ?? 0) + (e.dur ?? 0));
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, us]) => `${n} ${(us / 1_000).toFixed(1)}`)
    .join(', ');
}

interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time by function over the window, from the sampling profiler. */
function topFunctions(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const rows = [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]);
  console.log('self time by function (ms):');
  for (const [k, us] of rows.slice(0, 25)) console.log(`  ${(us / 1_000).toFixed(1).padStart(7)} ${k}`);
}

async function profileIdle(page: Page, url: string, seconds: number): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    (n) =>
      [...document.querySelectorAll('[data-testid="chart"] canvas')].filter((c) => Number(c.getAttribute('data-points')) > 0).length >= n,
    IDLE_METRICS.length,
    { timeout: 20_000 },
  );
  await sleep(3_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const events = mainThreadEvents(await trace(cdp, seconds));
  const { profile } = await cdp.send('Profiler.stop');
  topFunctions(profile as unknown as CpuProfile);
  const tasks = events.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
  let busy = 0;
  const long: TraceEvent[] = [];
  for (const t of tasks) {
    busy += t.dur!;
    if (t.dur! > 50_000) long.push(t);
  }
  const start = events[0]?.ts ?? 0;
  console.log(
    `${tasks.length} tasks in ${seconds} s, main thread busy ${((100 * busy) / (seconds * 1e6)).toFixed(2)}%, ${long.length} over 50 ms`,
  );
  const over = (min: number) => tasks.filter((t) => t.dur! > min * 1_000).length;
  console.log(`tasks over 10 ms: ${over(10)}, over 20 ms: ${over(20)}, over 30 ms: ${over(30)}`);
  for (const t of long) {
    const inside = events.filter((e) => e !== t && e.tid === t.tid && e.ts >= t.ts && e.ts + e.dur! <= t.ts + t.dur!);
    console.log(`  +${((t.ts - start) / 1e6).toFixed(2)} s ${(t.dur! / 1_000).toFixed(1)} ms: ${summarise(inside)}`);
  }
  const nested = events.filter((e) => e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask');
  console.log(`all tasks, by event (ms, nested events counted in each): ${summarise(nested)}`);
}

/** The main thread's tasks over 10 ms and the requests, from the navigation on (ms from the first request). */
function timeline(all: readonly TraceEvent[]): void {
  const requests = all.filter((e) => e.name === 'ResourceSendRequest' || e.name === 'ResourceFinish');
  // The page's renderer: the one that asked the API for something (not Chromium's own pages).
  const api = requests.find((e) => (e.args?.data as { url?: string } | undefined)?.url?.includes('/api/'));
  const start = requests[0]?.ts ?? 0;
  const at = (ts: number) => ((ts - start) / 1_000).toFixed(0).padStart(5);
  const rows: [number, string][] = [];
  const urls = new Map<string, string>();
  for (const e of requests) {
    const data = e.args?.data as { requestId?: string; url?: string } | undefined;
    if (e.name === 'ResourceSendRequest' && data?.url && data.requestId)
      urls.set(data.requestId, data.url.replace(/^https?:\/\/[^/]+/, ''));
    const name = urls.get(data?.requestId ?? '') ?? '?';
    if (!name.startsWith('/')) continue;
    rows.push([e.ts, `${e.name === 'ResourceSendRequest' ? 'request ' : 'finished'} ${name}`]);
  }
  const events = mainThreadEvents(all).filter((e) => e.pid === api?.pid);
  for (const t of events.filter((e) => (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.dur! > 10_000)) {
    const inside = events.filter((e) => e !== t && e.tid === t.tid && e.ts >= t.ts && e.ts + e.dur! <= t.ts + t.dur!);
    rows.push([t.ts, `task ${(t.dur! / 1_000).toFixed(1)} ms: ${summarise(inside)}`]);
  }
  for (const [ts, text] of rows.sort((a, b) => a[0] - b[0])) console.log(`${at(ts)} ${text}`);
}

const FIRST_PROBE = `(() => {
  const b = (window.__bench = {});
  const poll = () => {
    const done = performance.getEntriesByType('resource').some((e) => e.name.includes('/readings') && e.responseEnd > 0);
    if (b.chart === undefined && document.querySelector('[data-testid="chart"] canvas') && done) {
      b.chart = 0;
      requestAnimationFrame(() => requestAnimationFrame(() => (b.chart = performance.now())));
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();`;

async function profileFirst(page: Page, url: string, withTrace: boolean, withProfile: boolean): Promise<void> {
  await page.addInitScript(FIRST_PROBE);
  const cdp = await page.context().newCDPSession(page);
  if (withProfile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const events: TraceEvent[] = [];
  if (withTrace) {
    cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
    await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  }
  await page.goto(url);
  await page.waitForFunction(() => ((window as unknown as { __bench: { chart?: number } }).__bench.chart ?? 0) > 0, undefined, {
    timeout: 20_000,
  });
  if (withProfile) topFunctions((await cdp.send('Profiler.stop')).profile as unknown as CpuProfile);
  if (withTrace) {
    const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
    timeline(events);
  }
  const out = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const rows = performance
      .getEntriesByType('resource')
      .map((e) => e as PerformanceResourceTiming)
      .filter((e) => /\.js|\/api\//.test(e.name))
      .map((e) => `${e.name.replace(location.origin, '').padEnd(60)} ${e.startTime.toFixed(0).padStart(5)} -> ${e.responseEnd.toFixed(0)}`);
    const chart = (window as unknown as { __bench: { chart: number } }).__bench.chart;
    return [
      `html ${nav.responseEnd.toFixed(0)}, DOMContentLoaded ${nav.domContentLoadedEventEnd.toFixed(0)}`,
      ...rows,
      `chart ${chart.toFixed(0)}`,
    ];
  });
  console.log(out.join('\n'));
}

const mode = process.argv[2] ?? 'idle';
const seconds = Number(process.argv[3] ?? 20);
await scoped(async (scope) => {
  const stack = await startStack(scope, 'profile', undefined, fillStore);
  const browser = await scope.open(launchChromium(), (b) => b.close());
  for (let run = 0; run < (mode === 'first' ? 5 : 1); run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      if (mode === 'first') await profileFirst(page, `${stack.api.url}/devices/${DEVICE}?range=1h`, run === 4, run === 3);
      else await profileIdle(page, `${stack.api.url}/devices/${IDLE_DEVICE}?range=1h`, seconds);
    } finally {
      await context.close();
    }
  }
});
