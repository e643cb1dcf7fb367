import { afterEach, expect, it } from 'vitest';
import { closeClients, connectClient, nextMessage, uniqueTopic } from '../helpers/index.ts';

/**
 * What Vigil relies on from any broker it runs against (Mosquitto in compose and CI, Aedes under
 * `npm start`): QoS 1 delivery with the payload intact, and retained status messages reaching a
 * subscriber that arrives later. Registered inside a describe() of each broker's test file.
 */
export function brokerBasics(brokerUrl: () => string): void {
  afterEach(closeClients);

  it('delivers a QoS 1 publish to a QoS 1 subscriber byte for byte', async () => {
    const topic = `${uniqueTopic()}/telemetry`;
    const sub = await connectClient(brokerUrl(), { clientId: `sub-${process.pid}-${Date.now()}` });
    const grants = await sub.subscribeAsync(topic, { qos: 1 });
    expect(grants.map((g) => g.qos)).toEqual([1]);

    const pub = await connectClient(brokerUrl());
    // Bytes that are not valid UTF-8 prove the broker passes payloads through untouched.
    const payload = Buffer.from([0x7b, 0x22, 0xff, 0x00, 0xc3, 0x28, 0x7d]);
    const received = nextMessage(sub, (m) => m.topic === topic);
    // mqtt.js resolves a QoS 1 publish with the packet it sent, only once the PUBACK is in.
    const sent = await pub.publishAsync(topic, payload, { qos: 1 });
    expect(sent).toMatchObject({ cmd: 'publish', qos: 1 });

    const message = await received;
    expect(message.topic).toBe(topic);
    expect(message.packet.qos).toBe(1);
    expect(message.payload.equals(payload)).toBe(true);
    expect(message.packet.retain).toBe(false);
  });

  it('delivers messages from one publisher in publish order', async () => {
    const topic = `${uniqueTopic()}/telemetry`;
    const sub = await connectClient(brokerUrl());
    await sub.subscribeAsync(topic, { qos: 1 });
    const pub = await connectClient(brokerUrl());
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      sub.on('message', (t, payload) => {
        if (t !== topic) return;
        seen.push(payload.toString());
        if (seen.length === 20) resolve();
      });
    });
    const sent = Array.from({ length: 20 }, (_, i) => `{"n":${i}}`);
    await Promise.all(sent.map((p) => pub.publishAsync(topic, p, { qos: 1 })));
    await done;
    expect(seen).toEqual(sent);
  });

  it('hands a retained message to a subscriber that arrives later, flagged retained', async () => {
    const topic = `${uniqueTopic()}/status`;
    const pub = await connectClient(brokerUrl());
    await pub.publishAsync(topic, 'online', { qos: 1, retain: true });
    await pub.endAsync();

    const late = await connectClient(brokerUrl());
    const received = nextMessage(late, (m) => m.topic === topic);
    await late.subscribeAsync(topic, { qos: 1 });
    const message = await received;
    expect(message.payload.toString()).toBe('online');
    expect(message.packet.retain).toBe(true);
  });

  it('forgets a retained message once an empty retained payload clears it', async () => {
    const topic = `${uniqueTopic()}/status`;
    const pub = await connectClient(brokerUrl());
    await pub.publishAsync(topic, 'offline', { qos: 1, retain: true });
    await pub.publishAsync(topic, '', { qos: 1, retain: true });

    const late = await connectClient(brokerUrl());
    const received = nextMessage(late, (m) => m.topic === topic, 500);
    await late.subscribeAsync(topic, { qos: 1 });
    await expect(received).rejects.toThrow(/no matching MQTT message/);
  });
}
