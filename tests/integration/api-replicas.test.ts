/**
 * Several API processes side by side: each hears every reading through the broker, so any of
 * them can serve any browser.
 */
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startApi, type ApiHandle } from '../../api/index.ts';
import { parseConfig } from '../../lib/config.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

describe('two API processes', () => {
  let vigil: TestVigil;
  let second: ApiHandle;

  beforeAll(async () => {
    vigil = await startTestVigil();
    const parsed = parseConfig({
      MQTT_URL: vigil.brokerUrl,
      // A second Vigil process on the embedded broker signs in as Vigil, like the first one's own clients.
      MQTT_USERNAME: vigil.serviceCredentials?.username,
      MQTT_PASSWORD: vigil.serviceCredentials?.password,
      SQLITE_PATH: vigil.config.store.sqlitePath,
      PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    second = await startApi(parsed.config);
  });
  afterAll(async () => {
    await closeClients();
    await second?.stop();
    await vigil?.dispose();
  });

  it('both stream the same reading and both answer from the store', async () => {
    const got: string[][] = [[], []];
    const sources = [vigil.url, second.url].map((url, i) => {
      const source = new EventSource(`${url}/api/stream?events=reading`);
      source.addEventListener('reading', (e) => got[i]!.push(e.data as string));
      return source;
    });
    await Promise.all(sources.map((s) => new Promise<void>((resolve) => (s.onopen = () => resolve()))));
    const device = await connectClient(vigil.brokerUrl);
    await device.publishAsync('devices/rep-1/telemetry', JSON.stringify({ ts: Date.now() - 5, t: 3 }), { qos: 1 });
    await eventually(async () => (got[0]!.length > 0 && got[1]!.length > 0 ? true : undefined), 3_000, 'both streams');
    for (const s of sources) s.close();
    expect(got[0]).toEqual(got[1]);
    const fromSecond = await getJson<{ values: Record<string, { value: number }> }>(`${second.url}/api/devices/rep-1`);
    expect(fromSecond.body.values['t']?.value).toBe(3);
  });
});
