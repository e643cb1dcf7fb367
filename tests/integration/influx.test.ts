import { HttpError, InfluxDB, Point, type Transport } from '@influxdata/influxdb-client';
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInflux, type InfluxServer } from '../helpers/index.ts';

/** The shape of an InfluxQL answer from the v1 /query endpoint. */
interface QueryResponse {
  results: { statement_id: number; error?: string; series?: { name: string; columns: string[]; values: unknown[][] }[] }[];
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function influxql(transport: Transport, q: string, db?: string): Promise<QueryResponse> {
  const params = new URLSearchParams({ epoch: 'ms' });
  if (db) params.set('db', db);
  return (await transport.request(`/query?${params}`, new URLSearchParams({ q }).toString(), {
    method: 'POST',
    headers: form,
  })) as QueryResponse;
}

describe('real InfluxDB 1.x through @influxdata/influxdb-client', () => {
  let server: InfluxServer | undefined;
  let transport: Transport;
  const db = 'vigil_test';

  beforeAll(async () => {
    server = await startInflux();
    transport = new InfluxDB({ url: server.url, timeout: 10_000 }).transport;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers /ping with 204 and says it is a 1.x server', async () => {
    let status = 0;
    let version = '';
    await transport.request('/ping', null, { method: 'GET' }, (headers, statusCode) => {
      status = statusCode ?? 0;
      version = String(headers['x-influxdb-version'] ?? '');
    });
    expect(status).toBe(204);
    expect(version).toMatch(/^1\./);
  });

  it('creates a database through POST /query', async () => {
    const created = await influxql(transport, `CREATE DATABASE "${db}"`);
    expect(created.results[0]?.error).toBeUndefined();
    const shown = await influxql(transport, 'SHOW DATABASES');
    const names = shown.results[0]?.series?.[0]?.values.map((row) => row[0]);
    expect(names).toContain(db);
  });

  it('round-trips a Point with an awkward tag through /write and /query, to the millisecond', async () => {
    const device = 'dev.a:b-c d,e=f';
    const ts = 1_732_430_000_123;
    const point = new Point('telemetry').tag('device', device).floatField('temperature', 21.5).floatField('humidity', -0.1).timestamp(ts);
    // Millisecond precision on the wire: the number is the line's timestamp as-is.
    const line = point.toLineProtocol({ convertTime: (t) => (t === undefined ? undefined : String(t)) });
    expect(line).toBe('telemetry,device=dev.a:b-c\\ d\\,e\\=f humidity=-0.1,temperature=21.5 1732430000123');

    let writeStatus = 0;
    await transport.request(
      `/write?db=${db}&precision=ms`,
      line,
      { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } },
      (_h, statusCode) => {
        writeStatus = statusCode ?? 0;
      },
    );
    expect(writeStatus).toBe(204);

    const read = await influxql(
      transport,
      `SELECT "temperature", "humidity", "device" FROM "telemetry" WHERE "device" = 'dev.a:b-c d,e=f'`,
      db,
    );
    expect(read.results[0]?.error).toBeUndefined();
    expect(read.results[0]?.series).toEqual([
      { name: 'telemetry', columns: ['time', 'temperature', 'humidity', 'device'], values: [[ts, 21.5, -0.1, device]] },
    ]);

    const tags = await influxql(transport, 'SHOW TAG VALUES FROM "telemetry" WITH KEY = "device"', db);
    expect(tags.results[0]?.series?.[0]?.values).toEqual([['device', device]]);
  });

  it('stores a point written twice (same series and ts) once, the last value winning', async () => {
    const ts = 1_732_430_060_000;
    for (const value of [1.5, 2.5]) {
      const line = new Point('telemetry')
        .tag('device', 'dup-1')
        .floatField('t', value)
        .timestamp(ts)
        .toLineProtocol({ convertTime: (t) => String(t) });
      await transport.request(`/write?db=${db}&precision=ms`, line, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    }
    const read = await influxql(transport, `SELECT "t" FROM "telemetry" WHERE "device" = 'dup-1'`, db);
    expect(read.results[0]?.series?.[0]?.values).toEqual([[ts, 2.5]]);
  });

  it('rejects a write to a missing database with an HttpError naming it', async () => {
    const line = new Point('telemetry').tag('device', 'x').floatField('v', 1).toLineProtocol();
    const failure = transport.request('/write?db=missing_db&precision=ms', line ?? '', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
    });
    await expect(failure).rejects.toBeInstanceOf(HttpError);
    await expect(failure).rejects.toMatchObject({ statusCode: 404 });
    await expect(failure).rejects.toThrow(/database not found/);
  });

  it('pause() stalls requests and resume() brings the server back', async () => {
    if (!server) throw new Error('influxd did not start');
    await server.pause();
    const stalled = await fetch(`${server.url}/ping`, { signal: AbortSignal.timeout(500) }).then(
      () => 'answered',
      () => 'timed out',
    );
    expect(stalled).toBe('timed out');
    server.resume();
    const res = await fetch(`${server.url}/ping`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(204);
  });

  it('stop() is idempotent, stops the server and removes its temp dir', async () => {
    const own = await startInflux();
    await own.pause();
    // Stopping a paused server must not hang on the pending SIGTERM.
    await Promise.all([own.stop(), own.stop()]);
    await own.stop();
    await expect(access(own.dir)).rejects.toThrow();
    await expect(fetch(`${own.url}/ping`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
    expect(() => process.kill(own.pid, 0)).toThrow();
  });
});
