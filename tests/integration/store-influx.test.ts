/**
 * What only the InfluxDB store has, against a real influxd 1.x: server detection and database
 * creation, the durable spool through an outage (SIGSTOP) and across restarts, backpressure, how
 * write errors are treated, and InfluxQL that device input cannot change. Ends with the same
 * history asked of both stores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryEntry } from '../../domain/reading.ts';
import { bucketStep } from '../../store/buckets.ts';
import { InfluxStore, type InfluxStoreOptions } from '../../store/influx/store.ts';
import { SpoolFullError } from '../../store/influx/spool.ts';
import { InfluxHttp } from '../../store/influx/transport.ts';
import { SqliteStore } from '../../store/sqlite.ts';
import { freePort, startInflux, type InfluxServer } from '../helpers/index.ts';
import { BASE, collect, entry, expectSameBuckets, irregularSeries, writeInMessages } from '../contract/store-contract.ts';

let server: InfluxServer;
let dir = '';
let n = 0;
const stores: InfluxStore[] = [];

beforeAll(async () => {
  server = await startInflux();
  dir = await mkdtemp(join(tmpdir(), 'vigil-influx-store-'));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function open(overrides: Partial<InfluxStoreOptions> = {}): Promise<InfluxStore> {
  const id = ++n;
  const store = await InfluxStore.open({
    url: server.url,
    token: undefined,
    database: `store_${id}`,
    spoolPath: join(dir, `spool-${id}.db`),
    lingerMs: 5,
    pollMs: 100,
    minBackoffMs: 50,
    maxBackoffMs: 500,
    closeGraceMs: 200,
    ...overrides,
  });
  stores.push(store);
  return store;
}

function influx(database: string): InfluxHttp {
  return new InfluxHttp({ url: server.url, token: undefined, database });
}

async function countOf(database: string, field: string): Promise<number> {
  const series = await influx(database).queryOne(`SELECT count("${field}") FROM "telemetry"`);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

describe('InfluxDB store against a real influxd 1.x', () => {
  it('says which InfluxDB it found and creates the database with RETENTION as its retention policy', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const store = await open({ database: 'created_1', retentionMs: 2 * 3_600_000, logger });
    expect(store.server).toMatchObject({ major: 1, build: 'OSS' });
    expect(lines.some((l) => /"msg":"InfluxDB 1\.x 1\.\d+\.\d+.*\(OSS\)"/.test(l))).toBe(true);
    const policies = await influx('created_1').queryOne('SHOW RETENTION POLICIES ON "created_1"');
    expect(policies[0]?.values).toEqual([['vigil', '2h0m0s', '1h0m0s', 1, true]]);
  });

  it('writes every reading exactly once through a SIGSTOP of influxd, and reports the store down meanwhile', async () => {
    const store = await open({ database: 'outage_1', timeoutMs: 1_000, batchLines: 500 });
    const device = 'outage-1';
    const start = Date.now() - 3_600_000;
    let written = 0;
    const writeSome = (count: number) => {
      const batch: TelemetryEntry[] = [];
      for (let i = 0; i < count; i++, written++) batch.push(entry(device, start + written * 100, { v: written }));
      store.appendSync(batch, Date.now());
    };
    for (let i = 0; i < 20; i++) writeSome(50);
    await server.pause();
    try {
      const pausedAt = Date.now();
      while (Date.now() - pausedAt < 4_000) {
        writeSome(50);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(store.stats().unackedReadings).toBeGreaterThan(0);
      await expect(store.ping()).rejects.toThrow();
    } finally {
      server.resume();
    }
    for (let i = 0; i < 20; i++) writeSome(50);
    await store.flush(30_000);
    expect(await countOf('outage_1', 'v')).toBe(written);
    const rows = await collect(store.exportRaw({ device, from: start, to: start + written * 100 }));
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: written }, (_, i) => i));
    const stats = store.stats();
    expect(stats.writeErrors.timeout + stats.writeErrors.transient).toBeGreaterThan(0);
    expect(stats.unackedReadings).toBe(0);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('keeps spooled readings when InfluxDB is unreachable, pushes back when the spool is full, and drains it on the next start', async () => {
    const spoolPath = join(dir, 'restart-spool.db');
    const closed = await InfluxStore.open({
      url: `http://127.0.0.1:${await freePort()}`,
      token: undefined,
      database: 'restart_1',
      spoolPath,
      spoolMaxRows: 10,
      timeoutMs: 500,
      closeGraceMs: 0,
    });
    await expect(closed.ping()).rejects.toThrow();
    const ts = Date.now() - 60_000;
    closed.appendSync([entry('restart-1', ts, { v: 1 }), entry('restart-1', ts + 1, { v: 2 })], Date.now());
    for (let i = 2; i < 10; i++) closed.appendSync([entry('restart-1', ts + i, { v: i + 1 })], Date.now());
    expect(() => closed.appendSync([entry('restart-1', ts + 10, { v: 11 })], Date.now())).toThrow(SpoolFullError);
    expect(closed.stats().spooledRows).toBe(10);
    await closed.close();

    const reopened = await open({ database: 'restart_1', spoolPath });
    await reopened.flush(30_000);
    expect(await countOf('restart_1', 'v')).toBe(10);
    expect((await reopened.device('restart-1'))?.values['v']).toEqual({ value: 10, ts: ts + 9 });
  });

  it('lets processes sharing one spool file (one volume, one SQLITE_PATH) write each reading once', async () => {
    const spoolPath = join(dir, 'shared-spool.db');
    const replicas = await Promise.all([0, 1, 2].map(() => open({ database: 'shared_1', spoolPath, pollMs: 50 })));
    const ts = Date.now() - 600_000;
    for (let i = 0; i < 3_000; i++) replicas[i % 3]!.appendSync([entry('shared-1', ts + i, { v: i })], Date.now());
    await Promise.all(replicas.map((r) => r.flush(30_000)));
    expect(await countOf('shared_1', 'v')).toBe(3_000);
    expect(replicas.map((r) => r.stats().spooledRows)).toEqual([0, 0, 0]);
    // One drainer at a time: the readings went to InfluxDB once, not once per replica.
    const written = replicas.reduce((sum, r) => sum + r.stats().readingsWritten, 0);
    expect(written).toBe(3_000);
  });

  it('lets a partial write leave the spool: the good lines are stored, the refused ones counted, nothing retried', async () => {
    const store = await open({ database: 'partial_1' });
    const ts = Date.now() - 60_000;
    // A string field `v` first: a float `v` is then a type conflict InfluxDB refuses for good.
    await influx('partial_1').write(`telemetry,device=other v="text" ${ts - 1}`);
    store.appendSync([entry('partial-1', ts, { v: 1 }), entry('partial-1', ts + 1, { w: 2 })], Date.now());
    await store.flush(10_000);
    const stats = store.stats();
    expect(stats.writeErrors.partial).toBe(1);
    expect(stats.droppedByBackend).toBe(1);
    expect(stats.spooledRows).toBe(0);
    expect(await countOf('partial_1', 'w')).toBe(1);
  });

  it('holds the spool and reports the store down while the retention policy is missing, then resumes', async () => {
    const store = await open({ database: 'blocked_1', retentionMs: 3_600_000, blockedRetryMs: 300 });
    const admin = new InfluxHttp({ url: server.url, token: undefined, database: 'blocked_1' });
    await admin.queryOne('DROP RETENTION POLICY "vigil" ON "blocked_1"');
    const ts = Date.now() - 60_000;
    store.appendSync([entry('blocked-1', ts, { v: 1 })], Date.now());
    await expect(store.flush(1_000)).rejects.toThrow(/not drained/);
    expect(store.stats().blockedBy).toMatch(/retention policy not found/);
    expect(store.stats().spooledRows).toBe(1);
    await expect(store.ping()).rejects.toThrow(/retention policy not found/);

    await admin.queryOne('CREATE RETENTION POLICY "vigil" ON "blocked_1" DURATION 1h REPLICATION 1 DEFAULT');
    await store.flush(10_000);
    expect(store.stats().blockedBy).toBeNull();
    expect(await countOf('blocked_1', 'v')).toBe(1);
  });

  it('never lets a device id change a statement', async () => {
    const store = await open({ database: 'quoting_1' });
    const ts = Date.now() - 60_000;
    // Not legal device ids (ingest refuses them), so the store must be safe on its own.
    const odd = `it's "odd" \\ back,slash=x y`;
    store.appendSync([entry('victim', ts, { v: 1 }), entry(odd, ts, { v: 2 })], Date.now());
    await store.flush(10_000);
    expect((await store.device(odd))?.values['v']).toEqual({ value: 2, ts });
    expect(await collect(store.exportRaw({ device: odd, from: ts, to: ts }))).toEqual([{ device: odd, metric: 'v', ts, value: 2 }]);
    expect(await store.device(`nobody' OR "device"::tag = 'victim`)).toBeUndefined();
    expect(await collect(store.exportRaw({ device: `x' OR 'a' = 'a`, from: ts, to: ts }))).toEqual([]);
  });

  it('answers the same history as the SQLite store for the same readings', async () => {
    const store = await open({ database: 'parity_1' });
    const sqlite = SqliteStore.open({ path: join(dir, 'parity.db'), pruneEveryMs: 0 });
    try {
      for (const [device, dyadic] of [
        ['parity-1', false],
        ['parity-2', true],
      ] as const) {
        const entries = irregularSeries(device, 99, dyadic);
        await writeInMessages(store, entries);
        await writeInMessages(sqlite, entries);
        for (const points of [500, 97, 2_000]) {
          const from = BASE - 1_000;
          const to = BASE + 3 * 3_600_000 + 777;
          const query = { device, from, to, step: bucketStep(from, to, points) };
          const [a, b] = [await store.history(query), await sqlite.history(query)];
          expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
          for (const metric of Object.keys(b)) {
            if (dyadic) expect(a[metric]).toEqual(b[metric]);
            else expectSameBuckets(a[metric], b[metric]!, `${device} ${metric} in ${points} points`);
          }
        }
      }
    } finally {
      await sqlite.close();
    }
  });
});
