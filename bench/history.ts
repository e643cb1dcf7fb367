/**
 * The 7-day history query of docs/storage.md: one metric at 1 Hz for 7 days (604,800 readings),
 * asked for in 500 points, on both stores.
 *
 *   npx tsx bench/history.ts             # starts a throwaway influxd 1.x (Debian's) on a free port
 *   BENCH_INFLUX_URL=http://127.0.0.1:8086 npx tsx bench/history.ts   # or uses that one
 *
 * Prints a table and writes bench/results/history.json. Each query runs RUNS times after one
 * warm-up; the median is reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TelemetryEntry } from '../common/reading.ts';
import { bucketStep } from '../common/store/buckets.ts';
import { InfluxStore } from '../common/store/influx/store.ts';
import type { HistoryQuery, TelemetryStore } from '../common/store/port.ts';
import { SqliteStore } from '../common/store/sqlite.ts';
import { startInflux } from '../tests/helpers/influx.ts';

const RUNS = 7;
const SECONDS = 7 * 86_400;
const DAY = 86_400_000;

interface Row {
  readonly store: string;
  readonly query: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly detail: string;
}

async function timed(run: () => Promise<unknown>): Promise<{ medianMs: number; minMs: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(times[Math.floor(times.length / 2)]!), minMs: round(times[0]!) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** 7 days of a daily cycle with noise, one reading a second, appended in 1000-entry messages. */
async function fill(store: TelemetryStore & { appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void }, start: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < SECONDS; i += 1_000) {
    const batch: TelemetryEntry[] = [];
    for (let j = i; j < Math.min(SECONDS, i + 1_000); j++) {
      const values = Object.create(null) as Record<string, number>;
      values['temperature'] = Math.round((20 + 5 * Math.sin((2 * Math.PI * j) / 86_400) + Math.sin(j * 12.9898) * 0.3) * 100) / 100;
      batch.push({ device: 'bench-1', ts: start + j * 1_000, values });
    }
    store.appendSync(batch, start + SECONDS * 1_000);
  }
  await store.flush(600_000);
  return round(performance.now() - started);
}

async function countRaw(store: TelemetryStore, query: HistoryQuery): Promise<number> {
  let n = 0;
  for await (const _ of store.exportRaw(query)) n++;
  return n;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-history-'));
  const now = Date.now();
  // The week just past, so it lies inside a 7-day retention policy.
  const start = Math.floor((now - 7 * DAY) / 1_000) * 1_000 + 500;
  const query: HistoryQuery = { device: 'bench-1', from: start, to: start + 7 * DAY - 1, step: bucketStep(start, start + 7 * DAY - 1, 500), metrics: ['temperature'] };
  const rows: Row[] = [];
  const server = process.env['BENCH_INFLUX_URL'] ? undefined : await startInflux();
  try {
    const sqlite = SqliteStore.open({ path: join(dir, 'bench.db'), pruneEveryMs: 0 });
    const sqliteFill = await fill(sqlite, start);
    const before = sqlite.historyReads();
    const buckets = (await sqlite.history(query))['temperature']!.length;
    const reads = sqlite.historyReads();
    const raw = await sqlite.rawHistory(query);
    const afterRaw = sqlite.historyReads();
    rows.push({ store: 'SQLite', query: `history, rollups (step ${query.step / 60_000} min)`, ...(await timed(() => sqlite.history(query))), detail: `${buckets} buckets from ${reads.rollupRows - before.rollupRows} rollup + ${reads.rawRows - before.rawRows} raw rows` });
    rows.push({ store: 'SQLite', query: 'history, raw GROUP BY', ...(await timed(() => sqlite.rawHistory(query))), detail: `${raw['temperature']!.length} buckets from ${afterRaw.rawRows - reads.rawRows} raw rows` });
    rows.push({ store: 'SQLite', query: 'raw export (all readings)', ...(await timed(() => countRaw(sqlite, query))), detail: `${await countRaw(sqlite, query)} readings` });
    rows.push({ store: 'SQLite', query: 'devices() (latest values)', ...(await timed(() => sqlite.devices())), detail: 'status, lastSeen, latest value per metric' });
    await sqlite.close();

    const url = process.env['BENCH_INFLUX_URL'] ?? server!.url;
    const influx = await InfluxStore.open({ url, token: process.env['BENCH_INFLUX_TOKEN'], database: `bench_${now}`, retentionMs: 8 * DAY, spoolPath: join(dir, 'spool.db'), batchLines: 5_000 });
    const influxFill = await fill(influx, start);
    const influxBuckets = (await influx.history(query))['temperature']!.length;
    rows.push({ store: `${influx.server?.label ?? 'InfluxDB'}`, query: `history, GROUP BY time(${query.step}ms)`, ...(await timed(() => influx.history(query))), detail: `${influxBuckets} buckets from ${SECONDS} raw points` });
    rows.push({ store: `${influx.server?.label ?? 'InfluxDB'}`, query: 'raw export (all readings)', ...(await timed(() => countRaw(influx, query))), detail: `${await countRaw(influx, query)} readings` });
    rows.push({ store: `${influx.server?.label ?? 'InfluxDB'}`, query: 'devices() (latest values)', ...(await timed(() => influx.devices())), detail: 'last() per field and of the devices measurement' });
    await influx.close();

    const width = Math.max(...rows.map((r) => r.store.length));
    process.stdout.write(`\n7 days of 1 Hz (${SECONDS} readings), 500 points; median of ${RUNS} runs; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})\n`);
    process.stdout.write(`fill: SQLite ${sqliteFill} ms, InfluxDB through the spool ${influxFill} ms\n\n`);
    for (const r of rows) process.stdout.write(`${r.store.padEnd(width)}  ${r.query.padEnd(36)} ${String(r.medianMs).padStart(8)} ms  (min ${r.minMs})  ${r.detail}\n`);
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'history.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), readings: SECONDS, points: 500, step: query.step, runs: RUNS, fillMs: { sqlite: sqliteFill, influx: influxFill }, rows }, null, 2)}\n`);
    process.stdout.write(`\nwrote ${out}\n`);
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
