/**
 * Device sources on a real Mosquitto with DISCOVER_TOPICS=true: ingest subscribes to the sources'
 * filters (shared), a separate connection hears `#` only to list topics no source takes, so a
 * source's reading is stored exactly once even though both subscriptions match it; Vigil's own
 * topics are never listed; a source's `configured` topics are subscribed at run time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceView, UnmatchedView } from '../../api/sources.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { siteSource } from '../helpers/test-source.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

describe('device sources on Mosquitto with DISCOVER_TOPICS', () => {
  let mosquitto: MosquittoServer;
  let vigil: TestVigil;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    vigil = await startTestVigil({ MQTT_URL: mosquitto.url, MQTT_CLIENT_ID: 'vigil-src', DISCOVER_TOPICS: 'true' }, undefined, {
      ingest: { sources: [siteSource()] },
    });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
    await mosquitto?.stop();
  });

  const unmatched = async () => (await getJson<UnmatchedView[]>(`${vigil.url}/api/sources/unmatched`)).body;
  const csvRows = async (device: string, from: number) =>
    (await (await fetch(`${vigil.url}/api/devices/${device}/readings.csv?from=${from}&to=${Date.now() + 60_000}`)).text())
      .trim()
      .split('\n')
      .slice(1);

  it('lists topics no source takes, never Vigil topics, and stores a source reading once', async () => {
    const device = await connectClient(mosquitto.url, { clientId: 'src-device' });
    const from = Date.now() - 1_000;
    await device.publishAsync('acme/kitchen lamp', '{"state":"ON","brightness":200}', { qos: 1 });
    await device.publishAsync('site/boiler/value', '61.5', { qos: 1 });
    const lamp = await eventually(
      async () => (await unmatched()).find((u) => u.topic === 'acme/kitchen lamp'),
      8_000,
      'unmatched topic listed',
    );
    expect(lamp).toMatchObject({ count: 1, payload: '{"state":"ON","brightness":200}' });
    await eventually(async () => ((await csvRows('boiler', from)).length > 0 ? true : undefined), 5_000, 'site reading stored');
    // Vigil's stats went out meanwhile (every 1-2 s): `#` heard them, and skipped them.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await csvRows('boiler', from)).toHaveLength(1);
    const topics = (await unmatched()).map((u) => u.topic);
    expect(topics.filter((t) => t.startsWith('vigil/') || t.startsWith('site/') || t.startsWith('$'))).toEqual([]);
    const site = (await getJson<SourceView[]>(`${vigil.url}/api/sources`)).body.find((s) => s.name === 'site');
    expect(site?.counters).toMatchObject({ matched: 1, points: 1 });
  });

  it("subscribes to the topics a source's discovery message names", async () => {
    const device = await connectClient(mosquitto.url, { clientId: 'src-discovery' });
    await device.publishAsync('site/pump/config', JSON.stringify({ state_topic: 'plant/pump/temperature' }), { qos: 1 });
    // The subscription is made when the config is handled; publish until it is in place.
    await eventually(
      async () => {
        await device.publishAsync('plant/pump/temperature', '40.5', { qos: 1 });
        const { status } = await getJson(`${vigil.url}/api/devices/pump`);
        return status === 200 ? true : undefined;
      },
      8_000,
      'state topic stored',
    );
    const site = await eventually(
      async () =>
        (await getJson<SourceView[]>(`${vigil.url}/api/sources`)).body.find(
          (s) => s.name === 'site' && s.topics.includes('plant/pump/temperature'),
        ),
      6_000,
      'configured topic reported',
    );
    expect(site.topics).toContain('plant/pump/temperature');
  });
});
