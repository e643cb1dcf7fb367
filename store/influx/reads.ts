/**
 * Reads of the InfluxDB store, in InfluxQL over /query. Every statement is built from the
 * helpers in influxql.ts; device ids and metric names never reach a statement unquoted.
 *
 * - Latest values: `SELECT last(<field>) FROM telemetry GROUP BY device`, one statement per field
 *   (with several selectors in one statement InfluxDB returns time 0, and the ts of each latest
 *   value is part of the answer).
 * - Status and lastSeen: the `devices` measurement (fields `status` and `seen`), same way.
 * - History: `GROUP BY time(<step>ms) fill(none)`, whose buckets start at multiples of the step
 *   since the epoch like the SQLite store's; sum and count rather than mean, so the mean is
 *   sum / count in both stores.
 */
import type { DeviceStatus, Reading } from '../../domain/reading.ts';
import { ROLLUP_MS } from '../buckets.ts';
import type { Bucket, LatestValue } from '../port.ts';
import type { RolledRange } from './rollups.ts';
import {
  DEVICES_MEASUREMENT,
  DEVICE_TAG,
  DEVICE_TAG_REF,
  MEASUREMENT,
  ROLLUP_MEASUREMENT,
  type RollupPart,
  deviceIs,
  durationLiteral,
  fieldRef,
  metricOf,
  quoteIdent,
  rollupRef,
  timeRange,
} from './influxql.ts';
import { seriesOf, type InfluxHttp, type QuerySeries } from './transport.ts';

/** InfluxDB keeps nanoseconds in an int64: nothing lies past 2262-04-11. */
const MAX_TIME_MS = 9_223_372_036_853;

export interface DeviceFacts {
  reported: DeviceStatus | null;
  reportedAt: number | null;
  lastSeen: number | null;
  values: Record<string, LatestValue>;
}

function facts(): DeviceFacts {
  return { reported: null, reportedAt: null, lastSeen: null, values: Object.create(null) as Record<string, LatestValue> };
}

/** SQLite's BINARY collation: the export order of metrics within one ts in both stores. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstRow(series: QuerySeries): { device: string; time: number; value: unknown } | undefined {
  const device = series.tags?.[DEVICE_TAG];
  const row = series.values[0];
  if (device === undefined || !row || typeof row[0] !== 'number') return undefined;
  return { device, time: row[0], value: row[1] };
}

export class InfluxReader {
  constructor(private readonly http: InfluxHttp) {}

  /** Field keys of `telemetry`, as stored (see fieldKey for the metric names they map from). */
  async fieldKeys(): Promise<string[]> {
    const statement = `SHOW FIELD KEYS FROM ${quoteIdent(MEASUREMENT)}`;
    const series = await this.http.queryOne(statement);
    return (series[0]?.values ?? []).map((row) => row[0]).filter((key): key is string => typeof key === 'string');
  }

  /** Status, lastSeen and latest values of every device, or of one. */
  async registry(device?: string): Promise<Map<string, DeviceFacts>> {
    const fields = await this.fieldKeys();
    const where = device === undefined ? '' : ` WHERE ${deviceIs(device)}`;
    const groupBy = ` GROUP BY ${DEVICE_TAG_REF}`;
    const statements = [
      `SELECT last(${quoteIdent('seen')}::field) FROM ${quoteIdent(DEVICES_MEASUREMENT)}${where}${groupBy}`,
      `SELECT last(${quoteIdent('status')}::field) FROM ${quoteIdent(DEVICES_MEASUREMENT)}${where}${groupBy}`,
      ...fields.map((field) => `SELECT last(${quoteIdent(field)}::field) FROM ${quoteIdent(MEASUREMENT)}${where}${groupBy}`),
    ];
    const results = await this.http.query(statements);
    const out = new Map<string, DeviceFacts>();
    const entry = (id: string) => {
      let found = out.get(id);
      if (!found) out.set(id, (found = facts()));
      return found;
    };
    results.forEach((result, i) => {
      for (const series of seriesOf(result, statements[i]!)) {
        const row = firstRow(series);
        if (!row) continue;
        const facts = entry(row.device);
        if (i === 0) facts.lastSeen = row.time;
        else if (i === 1) {
          if (row.value === 'online' || row.value === 'offline') {
            facts.reported = row.value;
            facts.reportedAt = row.time;
          }
        } else if (typeof row.value === 'number') facts.values[metricOf(fields[i - 2]!)] = { value: row.value, ts: row.time };
      }
    });
    return out;
  }

  /**
   * [bucketStart, mean, min, max] per metric over [from, to]. With a rolled range and a step of
   * whole minutes, the whole minutes inside both [from, to] and the range come from
   * `telemetry_1m` and the rest from raw points, like the SQLite store (sqlite-history.ts).
   */
  async history(
    device: string,
    metrics: readonly string[],
    from: number,
    to: number,
    step: number,
    rolled?: RolledRange,
  ): Promise<Record<string, Bucket[]>> {
    const series: Record<string, Bucket[]> = Object.create(null) as Record<string, Bucket[]>;
    const start = Math.max(0, from);
    const end = Math.min(MAX_TIME_MS, to);
    if (start > end) {
      for (const metric of metrics) series[metric] = [];
      return series;
    }
    const parts = rolledPart(start, end, step, rolled);
    const per = parts.raw.length + (parts.rollup ? 1 : 0);
    const statements = metrics.flatMap((metric) => {
      const f = fieldRef(metric);
      const where = `FROM ${quoteIdent(MEASUREMENT)} WHERE ${deviceIs(device)}`;
      const group = `GROUP BY time(${durationLiteral(step)}) fill(none)`;
      const out = parts.raw.map(
        ([lo, hi]) => `SELECT sum(${f}), count(${f}), min(${f}), max(${f}) ${where} AND ${timeRange(lo, hi)} ${group}`,
      );
      if (parts.rollup) {
        const [lo, hi] = parts.rollup;
        const r = (part: RollupPart) => rollupRef(metric, part);
        out.push(
          `SELECT sum(${r('sum')}), sum(${r('n')}), min(${r('lo')}), max(${r('hi')}) FROM ${quoteIdent(ROLLUP_MEASUREMENT)} WHERE ${deviceIs(device)} AND ${timeRange(lo, hi)} ${group}`,
        );
      }
      return out;
    });
    const results = await this.http.query(statements);
    metrics.forEach((metric, m) => {
      const merged = new Map<number, [number, number, number, number]>();
      for (let j = m * per; j < (m + 1) * per; j++) addRows(merged, seriesOf(results[j] ?? {}, statements[j]!)[0]?.values ?? []);
      series[metric] = [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([ts, [sum, n, lo, hi]]) => [ts, sum / n, lo, hi] as const);
    });
    return series;
  }

  /** Raw readings ordered by ts then metric, one page (of `page` timestamps) per request. */
  async *export(device: string, metrics: readonly string[], from: number, to: number, page: number): AsyncGenerator<Reading> {
    const names = [...new Set(metrics)].sort(byteOrder);
    if (names.length === 0) return;
    const columns = names.map(fieldRef).join(', ');
    let after = Math.max(0, from);
    const end = Math.min(MAX_TIME_MS, to);
    while (after <= end) {
      const statement = `SELECT ${columns} FROM ${quoteIdent(MEASUREMENT)} WHERE ${deviceIs(device)} AND ${timeRange(after, end)} ORDER BY time ASC LIMIT ${page}`;
      const rows = (await this.http.queryOne(statement))[0]?.values ?? [];
      for (const row of rows) {
        const ts = row[0];
        if (typeof ts !== 'number') continue;
        for (let i = 0; i < names.length; i++) {
          const value = row[i + 1];
          if (typeof value === 'number') yield { device, metric: names[i]!, ts, value };
        }
      }
      const last = rows[rows.length - 1]?.[0];
      if (rows.length < page || typeof last !== 'number') return;
      after = last + 1;
    }
  }
}

/**
 * Which parts of [start, end] are read raw and which from the rollups: the whole minutes inside
 * both [start, end] and the rolled range, when the step is a whole number of minutes.
 */
export function rolledPart(
  start: number,
  end: number,
  step: number,
  rolled: RolledRange | undefined,
): { raw: [number, number][]; rollup: [number, number] | undefined } {
  if (!rolled || step % ROLLUP_MS !== 0) return { raw: [[start, end]], rollup: undefined };
  const first = Math.max(Math.ceil(start / ROLLUP_MS) * ROLLUP_MS, rolled.since);
  const last = Math.min(Math.floor((end + 1) / ROLLUP_MS) * ROLLUP_MS, rolled.until);
  if (first >= last) return { raw: [[start, end]], rollup: undefined };
  const raw: [number, number][] = [];
  if (start < first) raw.push([start, first - 1]);
  if (last <= end) raw.push([last, end]);
  return { raw, rollup: [first, last - 1] };
}

/** Folds (time, sum, count, min, max) rows into buckets. */
function addRows(into: Map<number, [number, number, number, number]>, rows: readonly (readonly unknown[])[]): void {
  for (const [ts, sum, count, min, max] of rows) {
    if (typeof ts !== 'number' || typeof sum !== 'number' || typeof count !== 'number' || count <= 0) continue;
    if (typeof min !== 'number' || typeof max !== 'number') continue;
    const b = into.get(ts);
    if (!b) into.set(ts, [sum, count, min, max]);
    else {
      b[0] += sum;
      b[1] += count;
      b[2] = Math.min(b[2], min);
      b[3] = Math.max(b[3], max);
    }
  }
}
