/**
 * Scenario 4, history: one metric at 1 Hz for 7 days (604,800 readings) asked for in 500 points,
 * from both stores' one-minute rollups, against the raw GROUP BY of the same data (SQLite without
 * its rollups; for InfluxDB the raw GROUP BY time() InfluxQL sent over plain HTTP without the
 * client library). InfluxDB's rollups (telemetry_1m, store/influx/rollups.ts) are rolled with
 * rollupNow() after the fill, timed; the store's answer before that (raw points) is a row too.
 */
import type { TelemetryEntry } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import { deviceIs, durationLiteral, fieldRef, quoteIdent, timeRange } from '../../store/influx/influxql.ts';
import { InfluxStore } from '../../store/influx/store.ts';
import type { HistoryQuery, TelemetryReader, TelemetryWriter } from '../../store/port.ts';
import { SqliteStore } from '../../store/sqlite.ts';
import { startInflux } from '../../tests/helpers/influx.ts';
import { CpuMeter, cpuLine, type RoleSpec } from '../harness/cpu.ts';
import { scoped } from '../harness/scope.ts';
import { percentile, ratio } from '../stats.ts';
import { ms, num, times, type Table } from '../table.ts';
import { ratioTarget } from '../targets.ts';
import type { JsonValue, ScenarioContext, ScenarioResult, TargetCheck } from './types.ts';

const SECONDS = 7 * 86_400;
const DAY = 86_400_000;
const DEVICE = 'bench-1';
/** Long ranges answered from rollups: at most a tenth of the raw GROUP BY of the same data, same run. */
const GOAL_VS_RAW = 0.1;

export interface HistoryRow {
  readonly store: string;
  readonly query: string;
  readonly p50: number;
  readonly p90: number;
  readonly min: number;
  readonly runs: number;
  readonly detail: string;
  readonly cpu: string;
}

/** Where to find InfluxDB: a running one (BENCH_INFLUX_URL), or a throwaway Debian influxd. */
export interface HistoryOptions {
  readonly influxUrl?: string;
  readonly influxToken?: string;
}

/** The week's value at second j: a daily cycle with deterministic noise. */
function valueAt(j: number): number {
  return Math.round((20 + 5 * Math.sin((2 * Math.PI * j) / 86_400) + Math.sin(j * 12.9898) * 0.3) * 100) / 100;
}

/** The week, appended in 1,000-entry messages as ingest would; returns the ms it took. */
async function fill(store: TelemetryWriter, start: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < SECONDS; i += 1_000) {
    const batch: TelemetryEntry[] = [];
    for (let j = i; j < Math.min(SECONDS, i + 1_000); j++) {
      const values = Object.create(null) as Record<string, number>;
      values['temperature'] = valueAt(j);
      batch.push({ device: DEVICE, ts: start + j * 1_000, values });
    }
    store.appendSync(batch, start + SECONDS * 1_000);
  }
  await store.flush(600_000);
  return performance.now() - started;
}

async function timed(
  label: { store: string; query: string },
  runs: number,
  roles: readonly RoleSpec[],
  run: () => Promise<unknown>,
  detail: string,
): Promise<HistoryRow> {
  await run();
  const meter = new CpuMeter([{ name: 'bench', pid: 'self' }, ...roles], 200);
  meter.start();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  const cpu = cpuLine(meter.stop());
  times.sort((a, b) => a - b);
  return { ...label, p50: percentile(times, 50), p90: percentile(times, 90), min: times[0]!, runs, detail, cpu };
}

async function countRaw(store: TelemetryReader, query: HistoryQuery): Promise<number> {
  let n = 0;
  for await (const _ of store.exportRaw(query)) n++;
  return n;
}

/** InfluxQL over plain fetch: the peer of the store's client-library path. */
async function influxql(url: string, database: string, q: string): Promise<number> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db: database, epoch: 'ms', q })}`);
  const body = (await res.json()) as { results?: { series?: { values?: unknown[] }[] }[] };
  return body.results?.[0]?.series?.[0]?.values?.length ?? 0;
}

export async function measureHistory(
  quick: boolean,
  options: HistoryOptions = {},
): Promise<{ rows: HistoryRow[]; fill: { sqliteMs: number; influxMs: number }; step: number }> {
  const runs = quick ? 7 : 21;
  const exportRuns = quick ? 2 : 5;
  return scoped(async (scope) => {
    const dir = await scope.tempDir('history');
    const now = Date.now();
    // The week just past, so it lies inside a 7-day retention policy.
    const start = Math.floor((now - 7 * DAY) / 1_000) * 1_000 + 500;
    const to = start + 7 * DAY - 1;
    const query: HistoryQuery = { device: DEVICE, from: start, to, step: bucketStep(start, to, 500), metrics: ['temperature'] };
    const rows: HistoryRow[] = [];

    const sqlite = await scope.open(SqliteStore.open({ path: `${dir}/bench.db`, pruneEveryMs: 0 }), (s) => s.close());
    const sqliteMs = await fill(sqlite, start);
    const before = sqlite.historyReads();
    const buckets = (await sqlite.history(query))['temperature']!.length;
    const reads = sqlite.historyReads();
    const s = { store: 'SQLite' };
    rows.push(
      await timed(
        { ...s, query: 'history (rollups)' },
        runs,
        [],
        () => sqlite.history(query),
        `${buckets} buckets from ${num(reads.rollupRows - before.rollupRows)} rollup + ${num(reads.rawRows - before.rawRows)} raw rows`,
      ),
    );
    rows.push(await timed({ ...s, query: 'peer: raw GROUP BY' }, runs, [], () => sqlite.rawHistory(query), `${num(SECONDS)} raw rows`));
    rows.push(
      await timed(
        { ...s, query: 'raw export (all readings)' },
        exportRuns,
        [],
        () => countRaw(sqlite, query),
        `${num(await countRaw(sqlite, query))} readings`,
      ),
    );

    const server = options.influxUrl ? undefined : await scope.open(startInflux(), (x) => x.stop());
    const url = options.influxUrl ?? server!.url;
    const roles: RoleSpec[] = server ? [{ name: 'influxd', pid: server.pid }] : [];
    const database = `bench_history_${now}`;
    const influx = await scope.open(
      InfluxStore.open({
        url,
        token: options.influxToken,
        database,
        retentionMs: 8 * DAY,
        spoolPath: `${dir}/spool.db`,
        batchLines: 5_000,
        // Only rollupNow() rolls, so the row before it reads raw points only.
        rollupIntervalMs: 3_600_000,
      }),
      (x) => x.close(),
    );
    const influxMs = await fill(influx, start);
    const label = influx.server?.label ?? 'InfluxDB';
    const f = fieldRef('temperature');
    const raw = `SELECT sum(${f}), count(${f}), min(${f}), max(${f}) FROM ${quoteIdent('telemetry')} WHERE ${deviceIs(DEVICE)} AND ${timeRange(start, to)} GROUP BY time(${durationLiteral(query.step)}) fill(none)`;
    const influxBuckets = (await influx.history(query))['temperature']!.length;
    rows.push(
      await timed(
        { store: label, query: 'unrolled: same call before rollupNow()' },
        runs,
        roles,
        () => influx.history(query),
        `${influxBuckets} buckets from ${num(SECONDS)} raw points (GROUP BY time)`,
      ),
    );
    const rollStarted = performance.now();
    await influx.rollupNow();
    const rollupMs = performance.now() - rollStarted;
    const rolledBuckets = (await influx.history(query))['temperature']!.length;
    rows.push(
      await timed(
        { store: label, query: 'history (rollups)' },
        runs,
        roles,
        () => influx.history(query),
        `${rolledBuckets} buckets from ${num(SECONDS / 60)} telemetry_1m points (rolled in ${ms(rollupMs)})`,
      ),
    );
    rows.push(
      await timed(
        { store: label, query: 'peer: raw GROUP BY over plain HTTP' },
        runs,
        roles,
        () => influxql(url, database, raw),
        'no client library, raw points',
      ),
    );
    rows.push(
      await timed(
        { store: label, query: 'raw export (all readings)' },
        exportRuns,
        roles,
        () => countRaw(influx, query),
        `${num(await countRaw(influx, query))} readings`,
      ),
    );
    return { rows, fill: { sqliteMs, influxMs }, step: query.step };
  });
}

export async function historyScenario(ctx: ScenarioContext, options: HistoryOptions = {}): Promise<ScenarioResult> {
  ctx.log('history: filling 7 days of 1 Hz data into SQLite and InfluxDB');
  const { rows, fill, step } = await measureHistory(ctx.quick, options);
  const find = (store: string, query: string) => rows.find((r) => r.store.startsWith(store) && r.query.startsWith(query));
  const peerOf = (r: HistoryRow) => (r.query.startsWith('history') ? find(r.store, 'peer') : undefined);
  const table: Table = {
    title: `History: 7 days of 1 Hz (${num(SECONDS)} readings), 500 points (step ${step / 60_000} min)`,
    headers: ['store', 'query', 'p50', 'p90', 'min', 'runs', 'vs peer', 'detail', 'CPU (% of one core)'],
    rows: rows.map((r) => {
      const p = peerOf(r);
      return [r.store, r.query, ms(r.p50), ms(r.p90), ms(r.min), String(r.runs), p ? times(ratio(r.p50, p.p50)) : '', r.detail, r.cpu];
    }),
    notes: [
      `Fill: SQLite ${ms(fill.sqliteMs)} (rollups included), InfluxDB ${ms(fill.influxMs)} through the spool (5,000 lines a write). Times after one warm-up run.`,
    ],
  };
  const influxStore = rows.find((r) => !r.store.startsWith('SQLite') && r.query.startsWith('history'))?.store;
  const targets: TargetCheck[] = [
    { store: 'SQLite', what: 'SQLite history, 7 days -> 500 points (p50)' },
    ...(influxStore ? [{ store: influxStore, what: 'InfluxDB history, 7 days -> 500 points (p50)' }] : []),
  ].map(({ store, what }) =>
    ratioTarget({
      scenario: 'history',
      what,
      value: find(store, 'history')?.p50,
      peer: find(store, 'peer')?.p50,
      peerName: 'the raw GROUP BY',
      goal: GOAL_VS_RAW,
      better: 'lower',
      format: ms,
    }),
  );
  const data: JsonValue = { readings: SECONDS, points: 500, step, fill: { ...fill }, rows: rows.map((r) => ({ ...r })) };
  return { name: 'history', title: 'History query', tables: [table], targets, notes: [], data };
}
