/**
 * Every rejection class, end to end through a real broker (Mosquitto and the embedded Aedes):
 * the reason code on vigil/rejected and in GET /api/rejected, the counter in /metrics, and
 * nothing of the message stored. A good message after the bad ones still goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Case {
  readonly reason: string;
  readonly device: string;
  readonly topic?: string;
  readonly payload: () => Buffer | string;
}

const bigPayload = () => JSON.stringify({ t: 1, pad: 'x'.repeat(64 * 1024) });
const CASES: readonly Case[] = [
  { reason: 'too_large', device: 'rej-large', payload: bigPayload },
  { reason: 'invalid_utf8', device: 'rej-utf8', payload: () => Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { reason: 'invalid_json', device: 'rej-json', payload: () => '{temperature: 21' },
  { reason: 'empty', device: 'rej-empty', payload: () => '{}' },
  { reason: 'wrong_shape', device: 'rej-shape', payload: () => '42' },
  {
    reason: 'too_many_entries',
    device: 'rej-many',
    payload: () => JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ ts: 1_700_000_000_000 + i, v: i }))),
  },
  { reason: 'bad_device_id', device: '-bad', payload: () => '{"t":1}' },
  { reason: 'bad_metric_name', device: 'rej-metric', payload: () => '{"t":1,"1bad":2}' },
  { reason: 'bad_value', device: 'rej-value', payload: () => '[{"t":1},{"t":"hot"}]' },
  { reason: 'bad_ts', device: 'rej-ts', payload: () => '{"ts":"yesterday","t":1}' },
  { reason: 'future_ts', device: 'rej-future', payload: () => JSON.stringify({ ts: Date.now() + 10 * 60_000, t: 1 }) },
  { reason: 'bad_status', device: 'rej-status', topic: 'devices/rej-status/status', payload: () => 'maybe' },
];

interface RejectedJson {
  topic: string;
  reason: string;
  payload: string;
}

describe.each(['mosquitto', 'aedes'] as const)('rejections through %s', (broker) => {
  let mosquitto: MosquittoServer | undefined;
  let vigil: TestVigil;
  let device: MqttClient;
  const seen: RejectedJson[] = [];

  beforeAll(async () => {
    if (broker === 'mosquitto') mosquitto = await startMosquitto();
    vigil = await startTestVigil(mosquitto ? { MQTT_URL: mosquitto.url } : {});
    // Only Vigil's own clients may read vigil/# on the embedded broker: watch as one.
    const watcher = await connectClient(vigil.brokerUrl, vigil.serviceCredentials ?? {});
    await watcher.subscribeAsync('vigil/rejected', { qos: 0 });
    watcher.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString()) as RejectedJson));
    device = await connectClient(vigil.brokerUrl);
    for (const c of CASES) {
      await device.publishAsync(c.topic ?? `devices/${c.device}/telemetry`, c.payload(), { qos: 1 });
    }
    await device.publishAsync('devices/rej-after/telemetry', '{"t":5}', { qos: 1 });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
    await mosquitto?.stop();
  });

  it.each(CASES)('$reason: published on vigil/rejected, listed, counted, nothing stored', async (c) => {
    const topic = c.topic ?? `devices/${c.device}/telemetry`;
    const message = await eventually(async () => seen.find((m) => m.topic === topic), 3_000, `vigil/rejected for ${c.reason}`);
    expect(message.reason).toBe(c.reason);
    expect(Buffer.byteLength(message.payload)).toBeLessThanOrEqual(1024 + 3);

    const listed = await getJson<RejectedJson[]>(`${vigil.url}/api/rejected?limit=100`);
    expect(listed.body.find((r) => r.topic === topic)?.reason).toBe(c.reason);

    await eventually(
      async () => {
        const text = await (await fetch(`${vigil.url}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('vigil_messages_rejected_total') && l.includes(`reason="${c.reason}"`));
        return line && Number(line.split(' ').at(-1)) >= 1 ? line : undefined;
      },
      3_000,
      `rejected counter for ${c.reason}`,
    );

    if (c.reason !== 'bad_device_id') {
      const stored = await getJson<{ values: Record<string, unknown> }>(`${vigil.url}/api/devices/${c.device}`);
      // A bad status message creates no device; a bad reading creates none either.
      expect(stored.status).toBe(404);
    }
  });

  it('keeps ingesting after the bad messages, and counts them', async () => {
    const after = await eventually(
      async () => (await getJson<{ values: Record<string, { value: number }> }>(`${vigil.url}/api/devices/rej-after`)).body?.values?.['t'],
    );
    expect(after.value).toBe(5);
    // Ingest reports its counters once a second, so wait for the snapshot that saw them all.
    const text = await eventually(
      async () => {
        const body = await (await fetch(`${vigil.url}/metrics`)).text();
        const received = body.split('\n').find((l) => l.startsWith('vigil_messages_received_total'));
        return Number(received?.split(' ').at(-1)) === CASES.length + 1 ? body : undefined;
      },
      3_000,
      'received counter',
    );
    expect(text).toMatch(/^vigil_write_latency_seconds_count [1-9]/m);
    expect(text).toMatch(/vigil_sse_clients \d/);
  });
});
