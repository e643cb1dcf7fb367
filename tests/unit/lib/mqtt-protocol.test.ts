import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMqtt, judgeAttempt, protocolVersions } from '../../../lib/mqtt.ts';

describe('protocolVersions', () => {
  it('tries 5 then 3.1.1 for auto, one version when forced', () => {
    expect(protocolVersions('auto')).toEqual([5, 4]);
    expect(protocolVersions('5')).toEqual([5]);
    expect(protocolVersions('3.1.1')).toEqual([4]);
  });
});

describe('judgeAttempt', () => {
  it('falls back when the broker refuses the version, and fails when nothing is left to try', () => {
    const refused = { kind: 'error', message: 'Connection refused: Unsupported Protocol Version' } as const;
    expect(judgeAttempt(refused, true)).toBe('fall-back');
    expect(judgeAttempt(refused, false)).toBe('fail');
    expect(judgeAttempt({ kind: 'error', message: 'Connection refused: Unacceptable protocol version' }, true)).toBe('fall-back');
  });

  it('falls back when the CONNECT got no CONNACK or the socket closed on it (RabbitMQ 3.10)', () => {
    expect(judgeAttempt({ kind: 'no-connack' }, true)).toBe('fall-back');
    expect(judgeAttempt({ kind: 'closed', connectSent: true }, true)).toBe('fall-back');
  });

  it('keeps retrying a forced version that gets no answer (mqtt.js reconnects until the start timeout)', () => {
    expect(judgeAttempt({ kind: 'no-connack' }, false)).toBe('retry');
    expect(judgeAttempt({ kind: 'closed', connectSent: true }, false)).toBe('retry');
  });

  it('retries a broker that is not up yet instead of settling for 3.1.1', () => {
    expect(judgeAttempt({ kind: 'closed', connectSent: false }, true)).toBe('retry');
    expect(judgeAttempt({ kind: 'error', message: 'connect ECONNREFUSED 127.0.0.1:1883' }, true)).toBe('retry');
  });

  it('fails at once on what will not fix itself, whatever is left to try', () => {
    expect(judgeAttempt({ kind: 'error', message: 'Connection refused: Not authorized' }, true)).toBe('fail');
    expect(judgeAttempt({ kind: 'error', message: 'Connection refused: Bad username or password' }, true)).toBe('fail');
    expect(judgeAttempt({ kind: 'error', message: 'self-signed certificate' }, true)).toBe('fail');
  });
});

/**
 * A socket that reads CONNECTs and never answers: what RabbitMQ 3.10 does to MQTT 5. Only the
 * timing is checked here; tests/integration/brokers-rabbitmq.test.ts connects to the real one.
 */
describe('connectMqtt against a broker that never answers', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  const levels: number[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    levels.length = 0;
    await new Promise((r) => server?.close(r));
  });

  const silent = async () => {
    server = createServer((socket) => {
      sockets.push(socket);
      // Fixed header (1 byte + 1-byte length for a small CONNECT), then "\0\4MQTT", then the level.
      socket.once('data', (data) => levels.push(data[8] ?? -1));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const address = server.address();
    return `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };

  it('auto sends MQTT 5, then 3.1.1 after the CONNACK timeout, then fails at the start timeout naming the cause', async () => {
    const url = await silent();
    const fellBack: string[] = [];
    const started = Date.now();
    await expect(
      connectMqtt(url, { connackTimeoutMs: 200, startTimeoutMs: 1_500, onFallBack: (why) => fellBack.push(why), clientId: 'probe' }),
    ).rejects.toThrow(/within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fellBack).toEqual(['no CONNACK to the MQTT 5 CONNECT']);
    expect(levels.slice(0, 2)).toEqual([5, 4]);
  });

  it('a forced 5 never falls back, and says what to try', async () => {
    const url = await silent();
    const fellBack: string[] = [];
    await expect(
      connectMqtt(url, { mqttProtocol: '5', connackTimeoutMs: 200, startTimeoutMs: 800, onFallBack: (why) => fellBack.push(why) }),
    ).rejects.toThrow(/MQTT_PROTOCOL=3\.1\.1/);
    expect(fellBack).toEqual([]);
    expect(new Set(levels)).toEqual(new Set([5]));
  });

  it('a forced 3.1.1 sends only 3.1.1', async () => {
    const url = await silent();
    await expect(connectMqtt(url, { mqttProtocol: '3.1.1', startTimeoutMs: 500 })).rejects.toThrow(/within 500 ms/);
    expect(new Set(levels)).toEqual(new Set([4]));
  });
});
