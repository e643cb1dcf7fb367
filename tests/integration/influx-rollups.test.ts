/**
 * The InfluxDB store's own one-minute rollups (store/influx/rollups.ts) against a real influxd
 * 1.x, rolled by their timer: two ingest processes (two stores, two spools, one database) write
 * the same minutes, with redelivered readings, then one of them a late reading into a minute
 * already rolled. Each rollup point must be what the raw points add up to, and long-range history
 * must answer from the rollups with the same buckets as the raw points.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading, TelemetryEntry } from '../../domain/reading.ts';
import { InfluxStore } from '../../store/influx/store.ts';
import { InfluxHttp } from '../../store/influx/transport.ts';
import { entry, expectSameBuckets, referenceBuckets } from '../contract/store-contract.ts';
import { startInflux, type InfluxServer } from '../helpers/index.ts';

const MINUTE = 60_000;
const SETTLE_MS = 400;
const DATABASE = 'rollups_two_writers';

let server: InfluxServer;
let dir = '';
const stores: InfluxStore[] = [];

beforeAll(async () => {
  server = await startInflux();
  dir = await mkdtemp(join(tmpdir(), 'vigil-influx-rollups-'));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function writer(name: string): Promise<InfluxStore> {
  const store = await InfluxStore.open({
    url: server.url,
    token: undefined,
    database: DATABASE,
    spoolPath: join(dir, `spool-${name}.db`),
    lingerMs: 5,
    pollMs: 100,
    rollupSettleMs: SETTLE_MS,
    rollupIntervalMs: 100,
  });
  stores.push(store);
  return store;
}

function flatten(entries: readonly TelemetryEntry[]): Reading[] {
  return entries.flatMap((e) => Object.keys(e.values).map((metric) => ({ device: e.device, metric, ts: e.ts, value: e.values[metric]! })));
}

/** `temp` of one device's rollup points, as stored: minute -> [n, sum, lo, hi]. */
async function rollupPoints(http: InfluxHttp, device: string): Promise<Map<number, number[]>> {
  const series = await http.queryOne(
    `SELECT "temp.n", "temp.sum", "temp.lo", "temp.hi" FROM "telemetry_1m" WHERE "device"::tag = '${device}' ORDER BY time ASC`,
  );
  return new Map((series[0]?.values ?? []).map((row) => [row[0] as number, row.slice(1) as number[]]));
}

function expectedPoints(readings: readonly Reading[], device: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of readings) {
    if (r.device !== device) continue;
    const minute = r.ts - (r.ts % MINUTE);
    const p = out.get(minute);
    if (!p) out.set(minute, [1, r.value, r.value, r.value]);
    else out.set(minute, [p[0]! + 1, p[1]! + r.value, Math.min(p[2]!, r.value), Math.max(p[3]!, r.value)]);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('InfluxDB rollups written by Vigil', () => {
  it('two writers, redelivered readings and a late reading give the rollups the raw points add up to', async () => {
    const a = await writer('a');
    const b = await writer('b');
    const http = new InfluxHttp({ url: server.url, token: undefined, database: DATABASE });
    // Six whole minutes just past, values that add up exactly (multiples of 1/8).
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 8 * MINUTE;
    const entries: TelemetryEntry[] = [];
    for (let i = 0; i < 6 * 12; i++) entries.push(entry('dev-1', start + i * 5_000 + 1_234, { temp: 20 + (i % 16) / 8 }));
    const other = entries.map((e, i) => entry('dev-2', e.ts, { temp: 30 + (i % 8) / 8 }));
    // Writer a takes the first half and every third reading again; writer b the second half, all
    // of dev-2, and redelivers some of a's.
    a.appendSync(entries.slice(0, 40), start);
    a.appendSync(
      entries.filter((_, i) => i % 3 === 0),
      start,
    );
    b.appendSync(entries.slice(40), start);
    b.appendSync(other, start);
    b.appendSync(entries.slice(10, 30), start);
    await Promise.all([a.flush(10_000), b.flush(10_000)]);
    let readings = flatten([...entries, ...other]);

    const expectRolled = async () => {
      for (const device of ['dev-1', 'dev-2']) expect(await rollupPoints(http, device), device).toEqual(expectedPoints(readings, device));
    };
    await eventually(expectRolled);

    const from = start - 3 * MINUTE + 17;
    const to = start + 7 * MINUTE + 59_999;
    const ofDev1 = () => readings.filter((r) => r.device === 'dev-1');
    const expectHistory = async () => {
      for (const store of [a, b]) {
        for (const step of [MINUTE, 3 * MINUTE]) {
          const series = await store.history({ device: 'dev-1', from, to, step, metrics: ['temp'] });
          expectSameBuckets(series['temp'], referenceBuckets(ofDev1(), 'temp', from, to, step), `step ${step}`);
        }
      }
    };
    await eventually(expectHistory);

    // Late: into the second minute, rolled long ago, through the other writer.
    const late = entry('dev-1', start + MINUTE + 59_000, { temp: 99.5 });
    b.appendSync([late], start);
    await b.flush(10_000);
    readings = [...readings, ...flatten([late])];
    await eventually(expectRolled);
    await eventually(expectHistory);

    // History really reads telemetry_1m: a point written there by hand shows in the answer.
    await http.write(`telemetry_1m,device=dev-1 temp.n=1i,temp.sum=1000,temp.lo=1000,temp.hi=1000 ${start + 2 * MINUTE}`);
    const series = await a.history({ device: 'dev-1', from, to, step: MINUTE, metrics: ['temp'] });
    expect(series['temp']?.find((bucket) => bucket[0] === start + 2 * MINUTE)).toEqual([start + 2 * MINUTE, 1000, 1000, 1000]);
  }, 60_000);
});
