/**
 * The store contract, written once and run against every store (store-contract-*.test.ts): the
 * SQLite store and the InfluxDB store against a real influxd (tests/integration), and the
 * in-memory store (tests/unit/store), which is what lets unit tests stand in for the others. Each answer is checked against a
 * reference computed here from what was written, so passing stores answer identically to each
 * other too: same buckets (timestamps included), same numbers.
 *
 * Means are compared to 1e-12 relative: the stores add a bucket's values in different orders
 * (SQLite's compensated sum, InfluxDB's plain sum, rollup minutes), which can move the last bit of
 * a double. With values whose sums are exact (multiples of 1/8) the answers must be bit-identical.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading, TelemetryEntry } from '../../domain/reading.ts';
import type { Bucket, HistorySeries, TelemetryStore } from '../../store/port.ts';

export interface ContractOptions {
  /** RETENTION for this store; undefined keeps everything. */
  readonly retentionMs?: number;
  readonly now?: () => number;
}

export type StoreFactory = (options: ContractOptions) => Promise<TelemetryStore>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Not aligned to anything, so range edges fall inside minutes and buckets. */
export const BASE = Date.UTC(2024, 10, 24, 6, 0, 0) + 12_345;

export function entry(device: string, ts: number, values: Record<string, number>): TelemetryEntry {
  return { device, ts, values: Object.assign(Object.create(null) as Record<string, number>, values) };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The answer a store must give: buckets at multiples of step since the epoch, mean = sum / count. */
export function referenceBuckets(readings: readonly Reading[], metric: string, from: number, to: number, step: number): Bucket[] {
  const buckets = new Map<number, { sum: number; n: number; lo: number; hi: number }>();
  for (const r of readings) {
    if (r.metric !== metric || r.ts < from || r.ts > to) continue;
    const key = r.ts - (r.ts % step);
    const b = buckets.get(key);
    if (b) {
      b.sum += r.value;
      b.n += 1;
      b.lo = Math.min(b.lo, r.value);
      b.hi = Math.max(b.hi, r.value);
    } else buckets.set(key, { sum: r.value, n: 1, lo: r.value, hi: r.value });
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([ts, b]) => [ts, b.sum / b.n, b.lo, b.hi] as const);
}

/** Bucket timestamps, minima and maxima exactly; means to 1e-12 relative. */
export function expectSameBuckets(actual: readonly Bucket[] | undefined, expected: readonly Bucket[], what: string): void {
  expect(actual, what).toBeDefined();
  expect(
    actual!.map((b) => [b[0], b[2], b[3]]),
    `${what}: bucket ts, min, max`,
  ).toEqual(expected.map((b) => [b[0], b[2], b[3]]));
  actual!.forEach((b, i) => {
    const want = expected[i]![1];
    expect(Math.abs(b[1] - want), `${what}: mean of bucket ${b[0]}`).toBeLessThanOrEqual(Math.abs(want) * 1e-12 + 1e-300);
  });
}

export async function collect(rows: AsyncIterable<Reading>): Promise<Reading[]> {
  const out: Reading[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Readings as the stores export them: by ts, then metric in byte order. */
export function sorted(readings: readonly Reading[]): Reading[] {
  return [...readings].sort((a, b) => a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
}

function flatten(entries: readonly TelemetryEntry[]): Reading[] {
  return entries.flatMap((e) => Object.keys(e.values).map((metric) => ({ device: e.device, metric, ts: e.ts, value: e.values[metric]! })));
}

/** About three hours of two metrics at irregular intervals, some arriving out of order. */
export function irregularSeries(device: string, seed: number, dyadic = false): TelemetryEntry[] {
  const next = random(seed);
  const entries: TelemetryEntry[] = [];
  let ts = BASE;
  for (let i = 0; i < 1_500; i++) {
    ts += 1 + Math.floor(next() * 14_000);
    const value = (x: number) => (dyadic ? Math.round(x * 8) / 8 : x);
    entries.push(
      entry(device, ts, { 'temp.inner': value(20 + next() * 5 - 0.1), humidity: value(40 + Math.sin(i / 50) * 10 + next() / 3) }),
    );
  }
  // Late arrivals: a device flushing its buffer after a reconnect.
  const late = entries.splice(700, 40);
  entries.push(...late);
  return entries;
}

export async function writeInMessages(
  store: TelemetryStore,
  entries: readonly TelemetryEntry[],
  receivedAt = BASE + 4 * HOUR,
): Promise<void> {
  for (let i = 0; i < entries.length; i += 7) store.appendSync(entries.slice(i, i + 7), receivedAt);
  await store.flush(30_000);
}

export function defineStoreContract(name: string, open: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const opened: TelemetryStore[] = [];
    const fresh = async (options: ContractOptions = {}) => {
      const store = await open(options);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('answers history queries with the reference buckets, timestamps included, for every kind of step', async () => {
      const store = await fresh();
      const device = 'hist-1';
      const entries = irregularSeries(device, 7);
      await writeInMessages(store, entries);
      const readings = flatten(entries);
      const ranges: [number, number][] = [
        [BASE, BASE + 4 * HOUR],
        [BASE + 17_777, BASE + 2 * HOUR + 31_001],
        [BASE + 30 * MINUTE, BASE + 30 * MINUTE + 59_999],
      ];
      const steps = [1_000, 7_001, MINUTE, 2 * MINUTE, 5 * MINUTE, 21 * MINUTE, HOUR];
      for (const [from, to] of ranges) {
        for (const step of steps) {
          const series = await store.history({ device, from, to, step, metrics: ['temp.inner', 'humidity'] });
          for (const metric of ['temp.inner', 'humidity']) {
            expectSameBuckets(
              series[metric],
              referenceBuckets(readings, metric, from, to, step),
              `${metric} [${from}, ${to}] step ${step}`,
            );
          }
        }
      }
    });

    it('gives bit-identical buckets when the sums are exact', async () => {
      const store = await fresh();
      const entries = irregularSeries('exact-1', 11, true);
      await writeInMessages(store, entries);
      const readings = flatten(entries);
      for (const step of [3_000, MINUTE, 3 * MINUTE]) {
        const from = BASE + 1_234;
        const to = BASE + 3 * HOUR;
        const series = await store.history({ device: 'exact-1', from, to, step });
        expect(Object.keys(series).sort()).toEqual(['humidity', 'temp.inner']);
        expect(series['temp.inner']).toEqual(referenceBuckets(readings, 'temp.inner', from, to, step));
        expect(series['humidity']).toEqual(referenceBuckets(readings, 'humidity', from, to, step));
      }
    });

    it('stores a reading written twice once, in history, rollups and export', async () => {
      const store = await fresh();
      const device = 'dup-1';
      const start = Math.ceil(BASE / MINUTE) * MINUTE;
      const first = [entry(device, start + 1_000, { t: 1 }), entry(device, start + 2_000, { t: 3 })];
      store.appendSync(first, start + 5_000);
      // Redelivered alone, inside a larger batch, and twice within one batch.
      store.appendSync([first[1]!], start + 6_000);
      store.appendSync([first[0]!, entry(device, start + 3_000, { t: 5 }), first[1]!], start + 7_000);
      store.appendSync([entry(device, start + 4_000, { t: 7 }), entry(device, start + 4_000, { t: 7 })], start + 8_000);
      await store.flush(30_000);
      const rows = await collect(store.exportRaw({ device, from: start, to: start + MINUTE }));
      expect(rows.map((r) => [r.ts, r.value])).toEqual([
        [start + 1_000, 1],
        [start + 2_000, 3],
        [start + 3_000, 5],
        [start + 4_000, 7],
      ]);
      // Whole minutes in range: SQLite answers from its rollups, which must not count twice.
      const series = await store.history({ device, from: start - 5 * MINUTE, to: start + 5 * MINUTE, step: 5 * MINUTE });
      expect(series['t']).toEqual([[start - (start % (5 * MINUTE)), 4, 1, 7]]);
    });

    it('answers a long-range history query with the same buckets whether its minutes are rolled up or not', async () => {
      const store = await fresh();
      const device = 'long-1';
      const entries = irregularSeries(device, 23);
      // A duplicate and a late reading into a minute the first roll already summed.
      const late = entry(device, BASE + 90 * MINUTE + 30_123, { 'temp.inner': 99.5 });
      await writeInMessages(store, [...entries, entries[100]!]);
      const readings = flatten(entries);
      const check = async (all: readonly Reading[], what: string) => {
        for (const [from, to] of [
          [BASE - HOUR, BASE + 4 * HOUR],
          [BASE + 17_777, BASE + 2 * HOUR + 31_001],
        ] as const) {
          for (const step of [MINUTE, 21 * MINUTE, HOUR]) {
            const series = await store.history({ device, from, to, step, metrics: ['temp.inner', 'humidity'] });
            for (const metric of ['temp.inner', 'humidity']) {
              expectSameBuckets(
                series[metric],
                referenceBuckets(all, metric, from, to, step),
                `${what}: ${metric} [${from}, ${to}] step ${step}`,
              );
            }
          }
        }
      };
      await check(readings, 'before rolling');
      await store.rollupNow();
      await check(readings, 'rolled');
      await writeInMessages(store, [late]);
      await store.rollupNow();
      await check([...readings, ...flatten([late])], 'late reading rolled');
    });

    it('round-trips awkward but legal device ids and metric names', async () => {
      const store = await fresh();
      const device = 'dev.a:b-c_d';
      const values = { 'temp.inner': 21.5, time: 3, device: 4, _x: -0.000001, 'a.b.c': 1e21, Temp: 1.25 };
      const entries = [entry(device, BASE, values), entry(device, BASE + 1_000, { 'temp.inner': 22.5, time: 6 })];
      await writeInMessages(store, entries, BASE + 5_000);
      const record = await store.device(device);
      expect(record?.id).toBe(device);
      expect(record?.values).toEqual({
        'temp.inner': { value: 22.5, ts: BASE + 1_000 },
        time: { value: 6, ts: BASE + 1_000 },
        device: { value: 4, ts: BASE },
        _x: { value: -0.000001, ts: BASE },
        'a.b.c': { value: 1e21, ts: BASE },
        Temp: { value: 1.25, ts: BASE },
      });
      expect((await store.devices()).map((d) => d.id)).toContain(device);
      const rows = await collect(store.exportRaw({ device, from: BASE - 1, to: BASE + 2_000 }));
      expect(rows).toEqual(sorted(flatten(entries)));
      const series = await store.history({ device, from: BASE, to: BASE + 2_000, step: 10_000 });
      expect(Object.keys(series).sort()).toEqual(['Temp', '_x', 'a.b.c', 'device', 'temp.inner', 'time']);
      expect(series['time']).toEqual(referenceBuckets(flatten(entries), 'time', BASE, BASE + 2_000, 10_000));
      expect(series['device']).toEqual([[BASE - (BASE % 10_000), 4, 4, 4]]);
      // A name that only looks like another: no rows, not an error.
      expect((await store.history({ device, from: BASE, to: BASE + 2_000, step: 10_000, metrics: ['temp'] }))['temp']).toEqual([]);
      expect(await store.device('dev.a:b-c')).toBeUndefined();
    });

    it('keeps the newest value per metric as latest, whatever order readings arrive in', async () => {
      const store = await fresh();
      store.appendSync([entry('late-1', BASE + 10_000, { a: 2, b: 20 })], BASE + 11_000);
      store.appendSync([entry('late-1', BASE + 5_000, { a: 1, b: 10, c: 100 })], BASE + 12_000);
      store.appendSync([entry('late-2', BASE, { a: 9 })], BASE + 1_000);
      await store.flush(30_000);
      const records = await store.devices();
      expect(records.map((d) => d.id)).toEqual(['late-1', 'late-2']);
      expect(records[0]).toEqual({
        id: 'late-1',
        reported: null,
        reportedAt: null,
        lastSeen: BASE + 12_000,
        values: { a: { value: 2, ts: BASE + 10_000 }, b: { value: 20, ts: BASE + 10_000 }, c: { value: 100, ts: BASE + 5_000 } },
      });
      expect(records[1]?.lastSeen).toBe(BASE + 1_000);
      expect(await store.device('nobody')).toBeUndefined();
    });

    it('keeps the newest reported status and lists a device known only by its status', async () => {
      const store = await fresh();
      await store.recordStatus('stat-1', 'offline', BASE + 1_000);
      await store.recordStatus('stat-1', 'online', BASE + 3_000);
      // A retained or delayed status older than the one already known.
      await store.recordStatus('stat-1', 'offline', BASE + 2_000);
      await store.recordStatus('stat-2', 'offline', BASE + 4_000);
      store.appendSync([entry('stat-2', BASE + 1_000, { v: 1 })], BASE + 5_000);
      await store.flush(30_000);
      expect(await store.device('stat-1')).toEqual({
        id: 'stat-1',
        reported: 'online',
        reportedAt: BASE + 3_000,
        lastSeen: null,
        values: {},
      });
      expect(await store.device('stat-2')).toEqual({
        id: 'stat-2',
        reported: 'offline',
        reportedAt: BASE + 4_000,
        lastSeen: BASE + 5_000,
        values: { v: { value: 1, ts: BASE + 1_000 } },
      });
    });

    it('exports exactly what was written, in pages, ordered by ts then metric, filtered by range and metric', async () => {
      const store = await fresh();
      const next = random(3);
      const entries: TelemetryEntry[] = [];
      for (let i = 0; i < 6_200; i++)
        entries.push(entry('csv-1', BASE + i * 1_000, { b: next() * 100 - 50, a: Math.round(next() * 1e6) / 1e3 }));
      await writeInMessages(store, entries);
      const all = sorted(flatten(entries));
      expect(await collect(store.exportRaw({ device: 'csv-1', from: BASE, to: BASE + 7_000_000 }))).toEqual(all);
      const from = BASE + 100_500;
      const to = BASE + 5_800_000;
      const inRange = all.filter((r) => r.ts >= from && r.ts <= to);
      expect(await collect(store.exportRaw({ device: 'csv-1', from, to }))).toEqual(inRange);
      expect(await collect(store.exportRaw({ device: 'csv-1', from, to, metrics: ['b'] }))).toEqual(
        inRange.filter((r) => r.metric === 'b'),
      );
      expect(await collect(store.exportRaw({ device: 'nobody', from, to }))).toEqual([]);
    });

    it('drops readings older than the retention window, on arrival and once they age out', async () => {
      let now = Date.now();
      const store = await fresh({ retentionMs: 2 * HOUR, now: () => now });
      const old = entry('ret-1', now - 90 * MINUTE, { v: 1 });
      const recent = entry('ret-1', now - 30 * MINUTE, { v: 2 });
      const expired = entry('ret-1', now - 3 * HOUR, { v: 3 });
      store.appendSync([old, recent, expired], now);
      await store.flush(30_000);
      expect(store.stats().droppedOutsideRetention).toBe(1);
      const range = { device: 'ret-1', from: now - 4 * HOUR, to: now };
      expect((await collect(store.exportRaw(range))).map((r) => r.value)).toEqual([1, 2]);

      now += HOUR;
      expect((await collect(store.exportRaw(range))).map((r) => r.value)).toEqual([2]);
      const series = await store.history({ ...range, step: HOUR });
      expect(series['v']).toEqual([[recent.ts - (recent.ts % HOUR), 2, 2, 2]]);
    });

    it('reports itself up and counts what it wrote', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      store.appendSync([entry('count-1', BASE, { a: 1, b: 2 }), entry('count-1', BASE + 1, { a: 3 })], BASE + 10);
      await store.flush(30_000);
      const stats = store.stats();
      expect(stats.readingsWritten).toBe(3);
      expect(stats.unackedReadings).toBe(0);
      expect(stats.spooledRows).toBe(0);
      expect(stats.writeLatency.count).toBeGreaterThan(0);
      expect(stats.blockedBy).toBeNull();
    });
  });
}

export type { HistorySeries };
