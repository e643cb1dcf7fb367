/**
 * Vigil's topics belong to Vigil on the embedded broker: an outside mqtt.js client (a device, or
 * a hostile neighbour) can neither publish nor hear anything on vigil/#, nor take a client id
 * of Vigil's own sessions; its device readings still go through.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePort } from '../helpers/ports.ts';
import { acquireInstanceLock } from '../../lib/instance-lock.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const SPOOFS = [
  ['vigil/events/readings', { device: 'ghost', values: { temperature: 99 }, ts: Date.now() }],
  ['vigil/stats/ingest', { instanceId: 'thief', leader: true }],
  ['vigil/rejected', { topic: 'x', reason: 'bad_json', payload: '' }],
  ['vigil/events/device', { device: 'ghost', status: 'online', ts: Date.now() }],
] as const;

describe('embedded broker guard', () => {
  let vigil: TestVigil;
  let service: MqttClient;
  const heardByService: string[] = [];
  const payloadsHeard: string[] = [];

  beforeAll(async () => {
    vigil = await startTestVigil();
    service = await connectClient(vigil.brokerUrl, vigil.serviceCredentials ?? {});
    service.on('message', (topic, payload) => {
      heardByService.push(topic);
      payloadsHeard.push(payload.toString());
    });
    await service.subscribeAsync('vigil/#', { qos: 0 });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  it.each(SPOOFS)('a device publishing on %s is cut off; nothing reaches Vigil or is stored', async (topic, body) => {
    const spoofer = await connectClient(vigil.brokerUrl, { clientId: `spoof-${topic.replaceAll('/', '-')}` });
    const closed = new Promise<void>((resolve) => spoofer.once('close', () => resolve()));
    spoofer.publish(topic, JSON.stringify({ ...body, spoofed: true }), { qos: 1 });
    await closed;
    expect(payloadsHeard.filter((p) => p.includes('spoofed'))).toEqual([]);
    const { body: devices } = await getJson<{ id: string }[]>(`${vigil.url}/api/devices`);
    expect(devices.map((d) => d.id)).not.toContain('ghost');
  });

  it('a device cannot subscribe to vigil/#, and its # never hears Vigil topics', async () => {
    const device = await connectClient(vigil.brokerUrl, { clientId: 'nosy-device' });
    await expect(device.subscribeAsync('vigil/#', { qos: 0 })).rejects.toThrow(/subscribe error/i);
    await device.subscribeAsync('#', { qos: 0 });
    const heard: string[] = [];
    device.on('message', (topic) => heard.push(topic));
    // A real reading makes Vigil publish on vigil/events/readings; the device sees only its own topic.
    await device.publishAsync('devices/real-1/telemetry', JSON.stringify({ temperature: 20 }), { qos: 1 });
    await eventually(
      async () => (heardByService.includes('vigil/events/readings') ? true : undefined),
      5_000,
      'Vigil published the reading',
    );
    await eventually(async () => (heard.includes('devices/real-1/telemetry') ? true : undefined), 5_000, 'device hears its own topic');
    expect(heard.filter((t) => t.startsWith('vigil/'))).toEqual([]);
  });

  it("a device cannot take a Vigil client id (ingest's session stays Vigil's)", async () => {
    const ingestId = `${vigil.config.mqtt.clientId}-ingest-${vigil.config.instanceId}`;
    await expect(connectClient(vigil.brokerUrl, { clientId: ingestId, clean: false })).rejects.toThrow(/identifier rejected/i);
  });

  it("carries Vigil's own batches past the device payload limit (a 300 KiB readings batch reaches the API's subscription)", async () => {
    // Ingest forwards up to 512 KiB of readings per message; the 68 KiB cap is for devices.
    const entries = Array.from({ length: 3_000 }, (_, i) => ({
      device: `bulk-${i % 50}`,
      ts: Date.now(),
      values: { temperature: i / 10, pad: i },
    }));
    const body = JSON.stringify(entries);
    expect(body.length).toBeGreaterThan(200 * 1024);
    const before = payloadsHeard.length;
    await service.publishAsync('vigil/events/readings', body, { qos: 1 });
    await eventually(
      async () => (payloadsHeard.slice(before).some((p) => p.length === body.length) ? true : undefined),
      5_000,
      'the batch heard',
    );
  });

  it('wrong service credentials are refused', async () => {
    const username = vigil.serviceCredentials?.username ?? 'x';
    await expect(connectClient(vigil.brokerUrl, { username, password: 'guess' })).rejects.toThrow(/bad user ?name or password/i);
  });
});

describe('one instance per store', () => {
  it('a second npm start on the same SQLITE_PATH says so in one line and exits 2', async () => {
    const first = await startTestVigil();
    try {
      const child = spawn(process.execPath, ['scripts/run.mjs', 'start'], {
        cwd: join(import.meta.dirname, '..', '..'),
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          SIM_DEVICES: '0',
          PORT: String(await freePort()),
          MQTT_PORT: String(await freePort()),
          SQLITE_PATH: first.config.store.sqlitePath,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/another Vigil \(pid \d+\) already uses this store/);
    } finally {
      await first.dispose();
    }
  }, 60_000);

  it('a lock left by a dead process is taken over', async () => {
    const vigil = await startTestVigil();
    const lockPath = `${vigil.config.store.sqlitePath}.lock`;
    await vigil.stop();
    // A pid that cannot be running: far above any pid_max.
    writeFileSync(lockPath, '999999999\n');
    const lock = acquireInstanceLock(lockPath, 12345678);
    lock.release();
    await vigil.dispose();
  });
});

describe('embedded broker bounds', () => {
  it('refuses a payload over the limit and retained messages beyond the cap, counted', async () => {
    const { start, MAX_PUBLISH_PAYLOAD } = await import('../../broker/index.ts');
    const broker = await start({ port: await freePort(), retainedLimit: { count: 2, bytes: 1_000 } });
    try {
      const big = await connectClient(broker.url, { clientId: 'big' });
      const bigClosed = new Promise<void>((resolve) => big.once('close', () => resolve()));
      big.publish('devices/big/telemetry', Buffer.alloc(MAX_PUBLISH_PAYLOAD + 1, 32), { qos: 1 });
      await bigClosed;
      expect(broker.guard.oversized).toBe(1);

      const keeper = await connectClient(broker.url, { clientId: 'keeper' });
      await keeper.publishAsync('devices/a/status', 'online', { qos: 1, retain: true });
      await keeper.publishAsync('devices/b/status', 'online', { qos: 1, retain: true });
      // Replacing a kept topic is fine; a third topic is not.
      await keeper.publishAsync('devices/a/status', 'offline', { qos: 1, retain: true });
      const closed = new Promise<void>((resolve) => keeper.once('close', () => resolve()));
      keeper.publish('devices/c/status', 'online', { qos: 1, retain: true });
      await closed;
      expect(broker.guard.retainedRefused).toBe(1);
    } finally {
      await closeClients();
      await broker.stop();
    }
  });
});
