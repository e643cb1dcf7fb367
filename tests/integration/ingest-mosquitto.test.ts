/**
 * Vigil against a real Mosquitto (MQTT_URL set): the embedded broker stays off, readings flow
 * through ingest's persistent session, and QoS 1 readings published while ingest is down are
 * stored once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, closeClients } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface History {
  series: Record<string, number[][]>;
}

describe('ingest through a real Mosquitto', () => {
  let mosquitto: MosquittoServer;
  let vigil: TestVigil;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    vigil = await startTestVigil({ MQTT_URL: mosquitto.url, MQTT_CLIENT_ID: 'vigil-it' });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
    await mosquitto?.stop();
  });

  it('uses the external broker, not an embedded one', () => {
    expect(vigil.embeddedBroker).toBe(false);
    expect(vigil.brokerUrl).toBe(mosquitto.url);
  });

  it('stores QoS 1 readings published while ingest was stopped, once it restarts', async () => {
    const device = await connectClient(mosquitto.url, { clientId: 'dev-outage' });
    const base = Date.now() - 60_000;
    await device.publishAsync('devices/outage-1/telemetry', JSON.stringify({ ts: base, v: 0 }), { qos: 1 });
    await eventually(async () => ((await getJson(`${vigil.url}/api/devices/outage-1`)).status === 200 ? true : undefined), 3_000);

    await vigil.stop();
    // Ingest's persistent session makes Mosquitto queue these for it while it is away.
    for (let i = 1; i <= 200; i++) {
      await device.publishAsync('devices/outage-1/telemetry', JSON.stringify({ ts: base + i, v: i }), { qos: 1 });
    }
    vigil = await vigil.restart();

    // Ingest reads over several sessions (INGEST_CONNECTIONS), each with its share of the queue,
    // so the newest reading may be stored before older ones: wait for the count, not the max.
    const csvRows = async () =>
      (await (await fetch(`${vigil.url}/api/devices/outage-1/readings.csv?from=${base}&to=${base + 1000}`)).text()).trim().split('\n');
    await eventually(async () => ((await csvRows()).length >= 1 + 201 ? true : undefined), 10_000, 'queued readings stored');
    const { body } = await getJson<History>(`${vigil.url}/api/devices/outage-1/readings?from=${base}&to=${base + 1000}&points=2`);
    const buckets = body.series['v'] ?? [];
    // [bucket, mean, min, max]: with every reading 0..200 stored, min is 0 and max 200.
    expect(buckets[0]?.[2]).toBe(0);
    expect(buckets.at(-1)?.[3]).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await csvRows()).toHaveLength(1 + 201);
  });
});
