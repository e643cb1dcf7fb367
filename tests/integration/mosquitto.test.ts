import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient, nextMessage, startMosquitto, uniqueTopic, type MosquittoServer } from '../helpers/index.ts';
import { brokerBasics } from './broker-basics.ts';

const run = promisify(execFile);

describe('real Mosquitto', () => {
  let broker: MosquittoServer | undefined;
  const url = () => {
    if (!broker) throw new Error('mosquitto did not start');
    return broker.url;
  };

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await closeClients();
    await broker?.stop();
  });

  brokerBasics(url);

  describe('mosquitto_pub', () => {
    afterEach(closeClients);

    it('publishes a message that an mqtt.js subscriber receives intact', async () => {
      const topic = `${uniqueTopic()}/telemetry`;
      const sub = await connectClient(url());
      await sub.subscribeAsync(topic, { qos: 1 });
      const received = nextMessage(sub, (m) => m.topic === topic);
      const payload = '{"temperature":21.5,"ts":"2024-11-24T06:33:20.123Z"}';
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker?.port), '-q', '1', '-t', topic, '-m', payload], {
        timeout: 10_000,
      });
      const message = await received;
      expect(message.payload.toString('utf8')).toBe(payload);
      expect(message.packet.qos).toBe(1);
    });
  });

  it('stop() is idempotent and closes the listener', async () => {
    const own = await startMosquitto();
    await Promise.all([own.stop(), own.stop()]);
    await own.stop();
    await expect(connectClient(own.url, { connectTimeout: 1_000 })).rejects.toThrow();
  });
});
