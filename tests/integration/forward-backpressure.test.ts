/**
 * Ingest's forwarder against a broker that acknowledges late (issue 18, soak: a busy Mosquitto
 * acknowledging ingest's QoS 1 readings batches slower than ingest stored them left every batch
 * in mqtt.js's outgoing store, 1,294 of them after two minutes). A real Aedes whose
 * authorizePublish holds the PUBACK of readings batches until the test lets them go.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { BUS } from '../../bus/index.ts';
import { Forwarder } from '../../ingest/forward.ts';
import { connectMqtt, type MqttClient } from '../../lib/mqtt.ts';
import type { TelemetryEntry } from '../../domain/reading.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function slowBroker() {
  const held: (() => void)[] = [];
  let holding = true;
  const aedes = await Aedes.createBroker({
    authorizePublish(_client, packet, callback) {
      if (holding && packet.topic === BUS.readings.topic) held.push(() => callback(null));
      else callback(null);
    },
  });
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () => new Promise<void>((resolve) => aedes.close(() => resolve())),
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const release = () => {
    holding = false;
    for (const ack of held.splice(0)) ack();
  };
  return { url, held, release };
}

async function client(url: string): Promise<MqttClient> {
  const c = await connectMqtt(url, { mqttProtocol: '3.1.1' });
  cleanups.push(() => new Promise<void>((resolve) => c.end(true, {}, () => resolve())));
  return c;
}

const entries = (from: number, n: number): TelemetryEntry[] =>
  Array.from({ length: n }, (_, i) => {
    const values = Object.create(null) as Record<string, number>;
    values['t'] = from + i;
    return { device: 'dev-1', ts: 1_700_000_000_000 + from + i, values };
  });

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('forwarder against a broker that acknowledges late', () => {
  it('keeps at most maxInFlight batches unacknowledged and a bounded buffer, then sends what waited', async () => {
    const broker = await slowBroker();
    const received: number[] = [];
    const sub = await client(broker.url);
    await sub.subscribeAsync(BUS.readings.topic, { qos: 1 });
    sub.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as unknown[]).length));
    const forwarder = new Forwarder(await client(broker.url), { maxBatch: 100, maxInFlight: 5, maxBuffered: 3_000 });
    cleanups.push(() => forwarder.stop());

    // 5,000 entries in batches of 100: 5 go out and are held, 3,000 wait, the rest are dropped.
    for (let i = 0; i < 50; i++) forwarder.readings(entries(i * 100, 100));
    await until(() => broker.held.length === 5, 'five held batches');
    await new Promise((r) => setTimeout(r, 200));
    expect(broker.held.length).toBe(5);
    expect(forwarder.unacknowledged).toBe(5);
    expect(forwarder.dropped).toBe(1_500);

    broker.release();
    await until(() => received.reduce((a, b) => a + b, 0) === 3_500, 'every kept entry delivered');
    await until(() => forwarder.unacknowledged === 0, 'every batch acknowledged');
    expect(forwarder.dropped).toBe(1_500);
  });
});
