/**
 * The thin slice through every layer, on the embedded broker and the SQLite store: a reading
 * published with the real mosquitto_pub reaches the store, the API and the live stream, and
 * survives a restart.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const run = promisify(execFile);

interface DeviceJson {
  id: string;
  status: string;
  lastSeen: number | null;
  values: Record<string, { value: number; ts: number }>;
}

async function mosquittoPub(vigil: TestVigil, topic: string, message: string, qos = 1): Promise<void> {
  const port = new URL(vigil.brokerUrl).port;
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', String(qos), '-t', topic, '-m', message]);
}

describe('thin slice: MQTT -> ingest -> SQLite -> API -> SSE', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(async () => {
    await vigil?.dispose();
  });

  it('reports broker and store up', async () => {
    const health = await getJson(`${vigil.url}/api/health`);
    expect(health).toEqual({ status: 200, body: { status: 'ok', checks: { broker: 'up', store: 'up' } } });
  });

  it('shows a published reading in the API and on the stream within 2 s, and keeps it across a restart', async () => {
    const events: MessageEvent[] = [];
    const source = new EventSource(`${vigil.url}/api/stream`);
    source.addEventListener('reading', (e) => events.push(e));
    await new Promise<void>((resolve, reject) => {
      source.onopen = () => resolve();
      source.onerror = () => reject(new Error('stream did not open'));
    });

    const ts = Date.now() - 1_000;
    const published = Date.now();
    await mosquittoPub(vigil, 'devices/slice-1/telemetry', JSON.stringify({ ts, temperature: 21.5, ok: true }));

    const device = await eventually(
      async () => {
        const { body } = await getJson<DeviceJson[]>(`${vigil.url}/api/devices`);
        return body.find((d) => d.id === 'slice-1');
      },
      2_000,
      'device listed',
    );
    expect(Date.now() - published).toBeLessThan(2_000);
    expect(device.status).toBe('online');
    expect(device.values['temperature']).toEqual({ value: 21.5, ts });
    expect(device.values['ok']).toEqual({ value: 1, ts });

    const one = await getJson<DeviceJson>(`${vigil.url}/api/devices/slice-1`);
    expect(one.status).toBe(200);
    expect(one.body.values['temperature']?.value).toBe(21.5);

    const history = await getJson<{ step: number; series: Record<string, number[][]> }>(
      `${vigil.url}/api/devices/slice-1/readings?from=-1h&metrics=temperature&points=60`,
    );
    expect(history.status).toBe(200);
    const step = history.body.step;
    expect(history.body.series['temperature']).toEqual([[Math.floor(ts / step) * step, 21.5, 21.5, 21.5]]);

    const event = await eventually(async () => events[0], 2_000, 'SSE reading event');
    source.close();
    expect(JSON.parse(event.data as string)).toEqual({ device: 'slice-1', ts, values: { temperature: 21.5, ok: 1 } });
    expect(event.lastEventId).toMatch(/^[0-9a-f]+-\d+$/);

    vigil = await vigil.restart();
    const after = await getJson<DeviceJson>(`${vigil.url}/api/devices/slice-1`);
    expect(after.body.values['temperature']).toEqual({ value: 21.5, ts });
  });

  it('answers unknown devices and bad queries with JSON errors', async () => {
    const missing = await getJson<{ error: { code: string } }>(`${vigil.url}/api/devices/nope-404`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    await mosquittoPub(vigil, 'devices/slice-2/telemetry', '{"v":1}');
    await eventually(async () => ((await getJson(`${vigil.url}/api/devices/slice-2`)).status === 200 ? true : undefined));
    const bad = await getJson<{ error: { code: string; message: string } }>(`${vigil.url}/api/devices/slice-2/readings?points=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_points');
    const route = await getJson<{ error: { code: string } }>(`${vigil.url}/api/nothing-here`);
    expect(route.status).toBe(404);
  });

  it('rejects a bad payload without storing it and keeps serving', async () => {
    await mosquittoPub(vigil, 'devices/slice-3/telemetry', '{"temperature": "hot"}');
    await mosquittoPub(vigil, 'devices/slice-3/telemetry', '{"temperature": 20}');
    const device = await eventually(
      async () => (await getJson<DeviceJson>(`${vigil.url}/api/devices/slice-3`)).body?.values?.['temperature'],
    );
    expect(device.value).toBe(20);
    const rejected = await eventually(async () => {
      const { body } = await getJson<{ device: string; reason: string }[]>(`${vigil.url}/api/rejected?device=slice-3`);
      return body.length > 0 ? body : undefined;
    });
    expect(rejected[0]).toMatchObject({ device: 'slice-3', reason: 'bad_value', topic: 'devices/slice-3/telemetry' });
  });
});
