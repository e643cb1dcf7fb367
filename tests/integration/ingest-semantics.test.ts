/**
 * Latest-value and liveness semantics through a real Mosquitto: late readings go to history
 * without replacing a newer latest value; retained telemetry replayed on subscribe is not
 * stored again; status messages and silence become device states and SSE `device` events.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface DeviceJson {
  status: string;
  lastSeen: number | null;
  values: Record<string, { value: number; ts: number }>;
}

describe('ingest semantics on a real Mosquitto', () => {
  let mosquitto: MosquittoServer;
  let vigil: TestVigil;
  const deviceEvents: { device: string; status: string }[] = [];
  let source: EventSource;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    // Retained telemetry from before ingest existed: replayed on subscribe, must not be stored.
    const early = await connectClient(mosquitto.url);
    await early.publishAsync('devices/ret-1/telemetry', '{"v": 1}', { qos: 1, retain: true });
    vigil = await startTestVigil({ MQTT_URL: mosquitto.url, STALE_AFTER: '1s' });
    source = new EventSource(`${vigil.url}/api/stream?events=device`);
    source.addEventListener('device', (e) => deviceEvents.push(JSON.parse(e.data as string) as { device: string; status: string }));
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
  });
  afterAll(async () => {
    source?.close();
    await closeClients();
    await vigil?.dispose();
    await mosquitto?.stop();
  });

  it('keeps the newest value as latest when an older reading arrives late, and stores both', async () => {
    const client = await connectClient(mosquitto.url);
    const t2 = Date.now() - 1_000;
    const t1 = t2 - 60_000;
    await client.publishAsync('devices/late-1/telemetry', JSON.stringify({ ts: t2, v: 2 }), { qos: 1 });
    await client.publishAsync('devices/late-1/telemetry', JSON.stringify({ ts: t1, v: 1 }), { qos: 1 });
    const csv = await eventually(async () => {
      const text = await (await fetch(`${vigil.url}/api/devices/late-1/readings.csv?from=-2h`)).text();
      return text.trim().split('\n').length === 3 ? text : undefined;
    });
    expect(csv.trim().split('\n').slice(1)).toEqual([`${t1},v,1`, `${t2},v,2`]);
    const device = await getJson<DeviceJson>(`${vigil.url}/api/devices/late-1`);
    expect(device.body.values['v']).toEqual({ value: 2, ts: t2 });
  });

  it('ignores retained telemetry replayed on subscribe, but stores live retained publishes once', async () => {
    expect((await getJson(`${vigil.url}/api/devices/ret-1`)).status).toBe(404);
    const client = await connectClient(mosquitto.url);
    await client.publishAsync('devices/ret-1/telemetry', '{"v": 7}', { qos: 1, retain: true });
    const device = await eventually(async () => (await getJson<DeviceJson>(`${vigil.url}/api/devices/ret-1`)).body?.values?.['v']);
    expect(device.value).toBe(7);
  });

  it('applies status messages and reports silence as stale, with device events', async () => {
    const client = await connectClient(mosquitto.url);
    await client.publishAsync('devices/life-1/status', 'online', { qos: 1, retain: true });
    await client.publishAsync('devices/life-1/telemetry', '{"v": 1}', { qos: 1 });
    await eventually(async () =>
      (await getJson<DeviceJson>(`${vigil.url}/api/devices/life-1`)).body?.status === 'online' ? true : undefined,
    );
    // STALE_AFTER is 1 s: silence turns the device stale, and the stream says so.
    await eventually(async () => deviceEvents.find((e) => e.device === 'life-1' && e.status === 'stale'), 3_000, 'stale event');
    expect((await getJson<DeviceJson>(`${vigil.url}/api/devices/life-1`)).body.status).toBe('stale');

    await client.publishAsync('devices/life-1/status', 'offline', { qos: 1, retain: true });
    await eventually(async () => deviceEvents.find((e) => e.device === 'life-1' && e.status === 'offline'), 3_000, 'offline event');
    expect((await getJson<DeviceJson>(`${vigil.url}/api/devices/life-1`)).body.status).toBe('offline');

    await client.publishAsync('devices/life-1/telemetry', '{"v": 2}', { qos: 1 });
    await eventually(
      async () => (deviceEvents.filter((e) => e.device === 'life-1' && e.status === 'online').length >= 2 ? true : undefined),
      3_000,
      'online again',
    );
    expect(deviceEvents.filter((e) => e.device === 'life-1').map((e) => e.status)).toEqual(['online', 'stale', 'offline', 'online']);
  });

  it('keeps a reading and an offline status sent back to back in order', async () => {
    const client = await connectClient(mosquitto.url);
    await client.publishAsync('devices/life-2/telemetry', '{"v": 1}', { qos: 1 });
    await client.publishAsync('devices/life-2/status', 'offline', { qos: 1 });
    await eventually(async () => deviceEvents.find((e) => e.device === 'life-2' && e.status === 'offline'), 3_000, 'offline event');
    // Past STALE_AFTER: an offline device stays offline, it does not turn stale.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(deviceEvents.filter((e) => e.device === 'life-2').map((e) => e.status)).toEqual(['online', 'offline']);
    expect((await getJson<DeviceJson>(`${vigil.url}/api/devices/life-2`)).body.status).toBe('offline');
  });
});
