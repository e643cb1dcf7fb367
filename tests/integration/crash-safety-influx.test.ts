/**
 * Nothing acknowledged is lost with STORE=influx either: QoS 1 readings flow through a real
 * Mosquitto into an ingest process (a real child) whose InfluxDB stops answering (SIGSTOP) for
 * several seconds, and the ingest process is killed with SIGKILL while InfluxDB is still
 * stalled. After a restart and InfluxDB's return, InfluxDB holds every reading exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startInflux, type InfluxServer } from '../helpers/influx.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');
const TOTAL = 3_000;

describe('ingest crash safety with STORE=influx (SIGSTOP influxd, SIGKILL ingest)', () => {
  let mosquitto: MosquittoServer;
  let influx: InfluxServer;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInflux()]);
    dir = await mkdtemp(join(tmpdir(), 'vigil-crash-influx-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    influx?.resume();
    await closeClients();
    await Promise.all([mosquitto?.stop(), influx?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  function startIngest(): { child: ChildProcess; exited: Promise<unknown> } {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'ingest'], {
      cwd: root,
      env: {
        ...process.env,
        MQTT_URL: mosquitto.url,
        STORE: 'influx',
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: 'crash',
        SQLITE_PATH: join(dir, 'vigil.db'),
        INSTANCE_ID: 'crash',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    children.push(child);
    return { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
  }

  async function storedCount(): Promise<number> {
    const q = encodeURIComponent(`SELECT count("v") FROM "telemetry" WHERE "device" = 'crash-1'`);
    const res = await fetch(`${influx.url}/query?db=crash&q=${q}`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
    return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  }

  it(`stores exactly ${TOTAL} readings across an InfluxDB stall and a SIGKILL of ingest`, async () => {
    const first = startIngest();
    const device = await connectClient(mosquitto.url, { clientId: 'crash-influx-device' });
    const base = Date.now() - 3_600_000;
    await eventually(
      async () => {
        await device.publishAsync('devices/crash-1/telemetry', JSON.stringify({ ts: base, v: 0 }), { qos: 1 });
        await new Promise((r) => setTimeout(r, 300));
        return (await storedCount()) === 1 ? true : undefined;
      },
      30_000,
      'ingest up and writing to InfluxDB',
    );

    let i = 1;
    const publishUntil = async (n: number) => {
      for (; i < n; i++) await device.publishAsync('devices/crash-1/telemetry', JSON.stringify({ ts: base + i, v: i }), { qos: 1 });
    };
    await publishUntil(1_000);
    await influx.pause();
    // InfluxDB is stalled: these are acknowledged from the spool alone.
    await publishUntil(2_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // Ingest is dead too: the broker queues these for its persistent session.
    await publishUntil(TOTAL);
    await new Promise((r) => setTimeout(r, 3_000));
    startIngest();
    influx.resume();

    const count = await eventually(
      async () => {
        const n = await storedCount();
        return n >= TOTAL ? n : undefined;
      },
      40_000,
      `all ${TOTAL} in InfluxDB`,
    );
    expect(count).toBe(TOTAL);
  }, 120_000);
});
