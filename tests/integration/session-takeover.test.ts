/**
 * A thief takes ingest's MQTT client id on a real Mosquitto (MQTT 5) and on the embedded Aedes
 * (3.1.1). Neither sends DISCONNECT 0x8E (Mosquitto 2.0 just closes), so both are caught by
 * repeated disconnects right after connect; a broker that sends 0x8E is caught at once. Ingest notices, counts it, and /api/health says the broker check fails while it lasts.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionTakeovers, TAKEOVER_REPORT_MS } from '../../lib/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Health {
  checks: { broker: string; store: string };
  problems?: { broker?: string };
}

describe('session takeover', () => {
  let vigil: TestVigil | undefined;
  let mosquitto: MosquittoServer | undefined;
  let thief: MqttClient | undefined;

  afterEach(async () => {
    thief?.end(true);
    await vigil?.dispose();
    await mosquitto?.stop();
    vigil = undefined;
    mosquitto = undefined;
  });

  const steal = (url: string, protocolVersion: 4 | 5) => {
    thief = mqtt.connect(url, {
      clientId: 'vigil-ingest-takeover',
      clean: false,
      protocolVersion,
      reconnectPeriod: 300,
      ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
    });
    thief.on('error', () => {});
  };

  const expectLoudThenQuiet = async (v: TestVigil) => {
    const before = sessionTakeovers.count;
    const down = await eventually(
      async () => {
        const h = await getJson<Health>(`${v.url}/api/health`);
        return h.status === 503 && h.body.checks.broker === 'down' ? h.body : undefined;
      },
      15_000,
      'health 503 broker during the takeover',
    );
    expect(down.problems?.broker).toMatch(/took over the MQTT session vigil-ingest-takeover/);
    expect(sessionTakeovers.count).toBeGreaterThan(before);
    thief?.end(true);
    thief = undefined;
    await eventually(
      async () => ((await getJson(`${v.url}/api/health`)).status === 200 ? true : undefined),
      TAKEOVER_REPORT_MS + 10_000,
      'healthy after the thief left',
    );
  };

  it('is detected on Mosquitto (MQTT 5)', async () => {
    mosquitto = await startMosquitto();
    vigil = await startTestVigil({ MQTT_URL: mosquitto.url, INSTANCE_ID: 'takeover' });
    steal(mosquitto.url, 5);
    await expectLoudThenQuiet(vigil);
  }, 60_000);

  it('cannot happen on the embedded broker: a device client may not take a Vigil client id', async () => {
    vigil = await startTestVigil({ INSTANCE_ID: 'takeover' });
    const before = sessionTakeovers.count;
    const refused = await new Promise<string>((resolve) => {
      const t = mqtt.connect(vigil!.brokerUrl, { clientId: 'vigil-ingest-takeover', clean: false, protocolVersion: 4, reconnectPeriod: 0 });
      t.on('error', (err) => {
        t.end(true);
        resolve(err.message);
      });
      t.on('connect', () => {
        t.end(true);
        resolve('connected');
      });
    });
    expect(refused).not.toBe('connected');
    expect(sessionTakeovers.count).toBe(before);
    expect((await getJson(`${vigil.url}/api/health`)).status).toBe(200);
  }, 60_000);
});
