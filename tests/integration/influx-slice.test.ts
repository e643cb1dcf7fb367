/**
 * The all-in-one with STORE=influx against a real influxd 1.x: a reading published over MQTT is
 * acknowledged from the spool, reaches InfluxDB, and the API answers from it; an InfluxDB that
 * stops answering shows as store down in /api/health without stopping anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient, startInflux, type InfluxServer } from '../helpers/index.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface DeviceJson {
  id: string;
  status: string;
  lastSeen: number | null;
  values: Record<string, { value: number; ts: number }>;
}

const TOKEN = 'influx-slice-token-0123456789';

describe('STORE=influx end to end', () => {
  let influx: InfluxServer;
  let vigil: TestVigil;

  beforeAll(async () => {
    influx = await startInflux();
    vigil = await startTestVigil({ STORE: 'influx', INFLUX_URL: influx.url, INFLUX_DATABASE: 'vigil_e2e', VIGIL_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
    await influx?.stop();
  });

  it('stores a published reading in InfluxDB and serves it from there', async () => {
    const client = await connectClient(vigil.brokerUrl);
    const ts = Date.now() - 1_000;
    await client.publishAsync('devices/dev.a:b-c_d/telemetry', JSON.stringify({ ts, 'temp.inner': 21.5, time: 2 }), { qos: 1 });
    await client.publishAsync('devices/dev.a:b-c_d/status', 'online', { qos: 1, retain: true });

    const device = await eventually(
      async () => {
        const { status, body } = await getJson<DeviceJson>(`${vigil.url}/api/devices/dev.a:b-c_d`);
        return status === 200 && body.values['temp.inner'] ? body : undefined;
      },
      5_000,
      'device served from InfluxDB',
    );
    expect(device).toMatchObject({
      id: 'dev.a:b-c_d',
      status: 'online',
      values: { 'temp.inner': { value: 21.5, ts }, time: { value: 2, ts } },
    });

    const history = await getJson<{ step: number; series: Record<string, number[][]> }>(
      `${vigil.url}/api/devices/dev.a:b-c_d/readings?from=-1h&metrics=temp.inner`,
    );
    const step = history.body.step;
    expect(history.body.series['temp.inner']).toEqual([[Math.floor(ts / step) * step, 21.5, 21.5, 21.5]]);

    const csv = await fetch(`${vigil.url}/api/devices/dev.a:b-c_d/readings.csv?from=-1h`);
    expect(await csv.text()).toBe(`ts,metric,value\n${ts},temp.inner,21.5\n${ts},time,2\n`);

    // Read back from InfluxDB itself: the layout other tools (Grafana) see.
    const raw = await fetch(`${influx.url}/query?db=vigil_e2e&epoch=ms&q=${encodeURIComponent('SELECT * FROM "telemetry"')}`);
    const body = (await raw.json()) as { results: { series: { columns: string[]; values: unknown[][] }[] }[] };
    expect(body.results[0]?.series[0]).toEqual({
      name: 'telemetry',
      columns: ['time', 'device', 'temp.inner', 'time-'],
      values: [[ts, 'dev.a:b-c_d', 21.5, 2]],
    });
  });

  it('reports the store down while InfluxDB does not answer, and up again after', async () => {
    expect((await getJson(`${vigil.url}/api/health`)).status).toBe(200);
    await influx.pause();
    try {
      const health = await getJson<{ checks: { store: string; broker: string } }>(`${vigil.url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.body.checks).toEqual({ broker: 'up', store: 'down' });
    } finally {
      influx.resume();
    }
    await eventually(async () => ((await getJson(`${vigil.url}/api/health`)).status === 200 ? true : undefined), 5_000, 'store up again');
  });

  it('keeps alert transitions in the alerts measurement', async () => {
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const rule = { name: 'hot', type: 'threshold', device: 'inf-*', metric: 't', op: 'above', value: 30 };
    expect((await fetch(`${vigil.url}/api/rules`, { method: 'POST', headers, body: JSON.stringify(rule) })).status).toBe(201);
    await eventually(
      async () => (/^vigil_alert_leader 1$/m.test(await (await fetch(`${vigil.url}/metrics`)).text()) ? true : undefined),
      10_000,
      'alert leader',
    );
    await new Promise((r) => setTimeout(r, 500));
    const client = await connectClient(vigil.brokerUrl);
    const ts = Date.now() - 2_000;
    await client.publishAsync('devices/inf-1/telemetry', JSON.stringify({ ts, t: 35 }), { qos: 1 });
    const rows = await eventually(
      async () => {
        const res = await fetch(
          `${influx.url}/query?db=vigil_e2e&epoch=ms&q=${encodeURIComponent('SELECT "event", "state", "value", "device" FROM "alerts"')}`,
        );
        const body = (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] };
        return body.results[0]?.series?.[0]?.values;
      },
      10_000,
      'alert row in InfluxDB',
    );
    expect(rows).toEqual([[ts, 'fired', 'firing', 35, 'inf-1']]);
  });
});
