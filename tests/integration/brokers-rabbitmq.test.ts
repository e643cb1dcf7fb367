/**
 * Ingest against a real RabbitMQ 3.10 with the rabbitmq_mqtt plugin. That plugin speaks MQTT
 * 3.1.1 only and closes on an MQTT 5 CONNECT without a CONNACK: before MQTT_PROTOCOL=auto fell
 * back on that, ingest never connected here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, getJson, startTestVigil } from '../helpers/vigil.ts';
import { startRabbitMq, type RabbitMqServer } from '../helpers/rabbitmq.ts';
import { brokerIngest, deliveryChecks, subscribedProtocol, type BrokerIngest } from './brokers-support.ts';

describe('ingest through RabbitMQ (MQTT plugin)', () => {
  let rabbit: RabbitMqServer;
  let ingest: BrokerIngest | undefined;

  beforeAll(async () => {
    rabbit = await startRabbitMq();
  }, 120_000);
  afterAll(async () => {
    await closeClients();
    await ingest?.dispose();
    await rabbit?.stop();
  }, 30_000);

  it('auto falls back to 3.1.1, stores 2,000 live QoS 1 readings and the 500 queued while ingest was down', async () => {
    ingest = await brokerIngest(rabbit.url);
    await ingest.start();
    expect(subscribedProtocol(ingest.logs)).toBe(4);
    expect(ingest.logs.some((l) => l.includes('did not take MQTT 5'))).toBe(true);
    expect(await deliveryChecks(rabbit.url, ingest, 'rmq-1')).toEqual({ live: 2_000, afterOutage: 2_500 });
    await ingest.dispose();
    ingest = undefined;
  }, 120_000);

  it('MQTT_PROTOCOL=3.1.1 connects without the probe; MQTT_PROTOCOL=5 fails with a hint', async () => {
    ingest = await brokerIngest(rabbit.url, { MQTT_PROTOCOL: '3.1.1', INSTANCE_ID: 'forced' });
    await ingest.start();
    expect(subscribedProtocol(ingest.logs)).toBe(4);
    expect(ingest.logs.some((l) => l.includes('did not take MQTT 5'))).toBe(false);
    await ingest.dispose();
    ingest = await brokerIngest(rabbit.url, { MQTT_PROTOCOL: '5', INSTANCE_ID: 'forced5' });
    await expect(ingest.start()).rejects.toThrow(/MQTT_PROTOCOL=3\.1\.1/);
    await ingest.dispose();
    ingest = undefined;
  }, 60_000);

  it('the all-in-one (ingest, alerter, API) works on RabbitMQ: health is up and a reading reaches the API', async () => {
    const vigil = await startTestVigil({ MQTT_URL: rabbit.url, MQTT_CLIENT_ID: 'vigil-all', INSTANCE_ID: 'all' });
    try {
      const device = await connectClient(rabbit.url, { clientId: 'dev-all', protocolVersion: 4 });
      await device.publishAsync('devices/rmq-all/telemetry', JSON.stringify({ temperature: 21.5 }), { qos: 1 });
      const health = await eventually(
        async () => {
          const { status, body } = await getJson(`${vigil.url}/api/health`);
          return status === 200 ? body : undefined;
        },
        15_000,
        '/api/health 200',
      );
      expect(health).toBeTruthy();
      await eventually(
        async () => ((await getJson(`${vigil.url}/api/devices/rmq-all`)).status === 200 ? true : undefined),
        10_000,
        'device known',
      );
    } finally {
      await vigil.dispose();
    }
  }, 60_000);
});
