/**
 * Ingest against a real nats-server 2.9 with JetStream and its MQTT gateway. The gateway refuses
 * MQTT 5 outright (CONNACK "unsupported protocol version"), so auto falls back to 3.1.1; sessions
 * and QoS 1 live in JetStream. NATS subjects use `.` as their separator, so the gateway refuses a
 * topic with a dot in it: a device id like `a.b` cannot publish there at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startNats, type NatsServer } from '../helpers/nats.ts';
import { brokerIngest, deliveryChecks, subscribedProtocol, type BrokerIngest } from './brokers-support.ts';

describe('ingest through NATS (MQTT gateway)', () => {
  let nats: NatsServer;
  let ingest: BrokerIngest | undefined;

  beforeAll(async () => {
    nats = await startNats();
    // A host-name INSTANCE_ID has dots: they are fine in client ids (only topics may not have them).
    ingest = await brokerIngest(nats.url, { INSTANCE_ID: 'ingest.example' });
    await ingest.start();
  }, 60_000);
  afterAll(async () => {
    await closeClients();
    await ingest?.dispose();
    await nats?.stop();
  }, 30_000);

  it('falls back to 3.1.1 on the refusal, stores 2,000 live QoS 1 readings and the 500 queued while ingest was down', async () => {
    expect(subscribedProtocol(ingest!.logs)).toBe(4);
    expect(await deliveryChecks(nats.url, ingest!, 'nats-1')).toEqual({ live: 2_000, afterOutage: 2_500 });
  }, 120_000);

  it('closes the connection of a device that publishes under an id with a dot; ingest never sees it', async () => {
    const device = await connectClient(nats.url, { clientId: 'dev-dotted', protocolVersion: 4 });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const before = ingest!.handle!.stats.received;
    const outcome = await Promise.race([
      device.publishAsync('devices/site.a-1/telemetry', JSON.stringify({ v: 1 }), { qos: 1 }).then(
        () => 'acknowledged',
        (err: Error) => `failed: ${err.message}`,
      ),
      closed.then(() => 'closed'),
    ]);
    expect(outcome).not.toBe('acknowledged');
    await closed;
    // The same device without the dot goes through, so it was the dot, not the device.
    const plain = await connectClient(nats.url, { clientId: 'dev-plain', protocolVersion: 4 });
    await plain.publishAsync('devices/site_a-1/telemetry', JSON.stringify({ v: 1 }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(ingest!.stored('site.a-1')).toBe(0);
    expect(ingest!.stored('site_a-1')).toBe(1);
    expect(ingest!.handle!.stats.received - before).toBe(1);
  }, 30_000);
});
