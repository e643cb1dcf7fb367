import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerHandle } from '../../broker/index.ts';
import { closeClients, connectClient, startAedes } from '../helpers/index.ts';
import { brokerBasics } from './broker-basics.ts';

/** Resolves true when something can bind the port again. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('embedded Aedes broker (broker/index.ts)', () => {
  let broker: BrokerHandle | undefined;
  const url = () => {
    if (!broker) throw new Error('aedes did not start');
    return broker.url;
  };

  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await closeClients();
    await broker?.stop();
  });

  brokerBasics(url);

  it('listens on loopback and counts connected clients', async () => {
    expect(url()).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const before = broker?.clients() ?? -1;
    const client = await connectClient(url());
    expect(broker?.clients()).toBe(before + 1);
    await client.endAsync();
  });

  it('stop() is idempotent, drops connected clients and frees the port', async () => {
    const own = await startAedes();
    expect(await canListen(own.port)).toBe(false);
    const client = await connectClient(own.url);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

    await Promise.all([own.stop(), own.stop()]);
    await own.stop();

    await closed;
    expect(await canListen(own.port)).toBe(true);
    await expect(connectClient(own.url, { connectTimeout: 1_000 })).rejects.toThrow();
  });
});
