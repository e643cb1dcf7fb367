/**
 * Simulated devices cut off together must not come back together: each outage's reconnect
 * period is drawn within [reconnectMs/2, reconnectMs] (simulator/connection.ts on mqtt.js's
 * 'offline'). Each device talks to its own loopback listener that hangs up at once, so the gap
 * between a device's first two connection attempts is its reconnect period.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceConnection } from '../../../simulator/connection.ts';

const RECONNECT_MS = 400;
const servers: Server[] = [];
const connections: DeviceConnection[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) await c.close(1_000);
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function refusingBroker(): Promise<{ url: string; attempts: number[] }> {
  const attempts: number[] = [];
  const server = createServer((socket) => {
    attempts.push(performance.now());
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts };
}

describe('DeviceConnection reconnects', () => {
  it('spreads the reconnect periods of devices cut off together, never past reconnectMs', async () => {
    const brokers = await Promise.all(Array.from({ length: 6 }, () => refusingBroker()));
    for (const [i, broker] of brokers.entries()) {
      const connection = new DeviceConnection(
        {
          url: broker.url,
          clientId: `jitter-${i}`,
          username: undefined,
          password: undefined,
          status: { topic: `devices/jitter-${i}/status`, online: Buffer.from('online'), offline: Buffer.from('offline') },
          announce: [],
          reconnectMs: RECONNECT_MS,
          connectTimeoutMs: 5_000,
        },
        { connected: () => undefined, lost: () => undefined, error: () => undefined, settled: () => undefined },
      );
      connections.push(connection);
      connection.open();
    }
    await expect.poll(() => brokers.every((b) => b.attempts.length >= 2), { timeout: 10_000, interval: 20 }).toBe(true);
    const periods = brokers.map((b) => b.attempts[1]! - b.attempts[0]!);
    for (const period of periods) {
      // Timers never fire early; late by a loaded machine's margin at most.
      expect(period).toBeGreaterThanOrEqual(RECONNECT_MS / 2 - 5);
      expect(period).toBeLessThan(RECONNECT_MS + 300);
    }
    // Six draws from a 200 ms window: identical to within 10 ms would mean no jitter.
    expect(Math.max(...periods) - Math.min(...periods)).toBeGreaterThan(10);
  });
});
