/**
 * Device credentials on the embedded broker, through `npm start`'s own composition (startVigil)
 * and outside mqtt.js clients: `npm run device:add` writes devices.passwd beside the store, the
 * broker takes a device added while it runs, refuses a wrong password and (MQTT_ANONYMOUS=false)
 * a device without credentials, and keeps each device to its own topics. The built-in simulator
 * still works with anonymous off.
 */
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';
import { deviceAdd, parseJsonLine, type DeviceResult } from './deploy-support.ts';

interface Device {
  readonly id: string;
  readonly values: Record<string, unknown>;
}

async function deviceIds(vigil: TestVigil): Promise<string[]> {
  const { body } = await getJson<Device[]>(`${vigil.url}/api/devices`);
  return body.map((d) => d.id);
}

/** Adds a device with device:add (the embedded file only), returning its generated password. */
function addDevice(vigil: TestVigil, id: string, more: readonly string[] = []): string {
  const file = join(vigil.dir, 'devices.passwd');
  const result = parseJsonLine<DeviceResult & { embeddedFile: string }>(deviceAdd([id, '--embedded-file', file, '--json', ...more]));
  expect(result.embeddedFile).toBe(file);
  return result.password ?? '';
}

const closedBy = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

describe('embedded broker with MQTT_ANONYMOUS=false', () => {
  let vigil: TestVigil;
  let gw1Password: string;
  let gw2Password: string;

  beforeAll(async () => {
    vigil = await startTestVigil({ MQTT_ANONYMOUS: 'false' });
    gw1Password = addDevice(vigil, 'gw-1');
    gw2Password = addDevice(vigil, 'gw-2');
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  it('refuses a device without credentials at CONNECT', async () => {
    await expect(connectClient(vigil.brokerUrl, { clientId: 'anon-1' })).rejects.toThrow(/not authori[sz]ed/i);
    expect(vigil.brokerGuard?.anonymousRefused).toBeGreaterThanOrEqual(1);
  });

  it('refuses a wrong password, and an unknown device, with "bad username or password"', async () => {
    const before = vigil.brokerGuard?.badCredentials ?? 0;
    await expect(connectClient(vigil.brokerUrl, { username: 'gw-1', password: `${gw1Password}x` })).rejects.toThrow(
      /bad user ?name or password/i,
    );
    await expect(connectClient(vigil.brokerUrl, { username: 'gw-404', password: gw1Password })).rejects.toThrow(
      /bad user ?name or password/i,
    );
    // The simulator's ids are no way in without its per-boot secret.
    await expect(connectClient(vigil.brokerUrl, { username: 'sim-001', password: gw1Password })).rejects.toThrow(
      /bad user ?name or password/i,
    );
    expect(vigil.brokerGuard?.badCredentials).toBe(before + 3);
  });

  it('a device added while Vigil runs connects with its password and its readings are stored', async () => {
    const password = addDevice(vigil, 'gw-late');
    const device = await connectClient(vigil.brokerUrl, { clientId: 'gw-late', username: 'gw-late', password });
    await device.publishAsync('devices/gw-late/telemetry', JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    expect(await deviceIds(vigil)).toContain('gw-late');
  });

  it("a device publishing under another device's id is cut off; nothing is stored; counted", async () => {
    const before = vigil.brokerGuard?.foreignTopic ?? 0;
    const gw1 = await connectClient(vigil.brokerUrl, { clientId: 'gw-1', username: 'gw-1', password: gw1Password });
    const closed = closedBy(gw1);
    gw1.publish('devices/gw-victim/telemetry', JSON.stringify({ temperature: 99 }), { qos: 1 });
    await closed;
    expect(vigil.brokerGuard?.foreignTopic).toBe(before + 1);
    // Its own topic still works, and that reading is stored after the refused one would have been.
    const again = await connectClient(vigil.brokerUrl, { clientId: 'gw-1', username: 'gw-1', password: gw1Password });
    await again.publishAsync('devices/gw-1/telemetry', JSON.stringify({ temperature: 20 }), { qos: 1 });
    const ids = await deviceIds(vigil);
    expect(ids).toContain('gw-1');
    expect(ids).not.toContain('gw-victim');
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^vigil_broker_refused_total\\{reason="foreign_topic"\\} ${before + 1}$`, 'm'));
    expect(metrics).toMatch(/^vigil_broker_refused_total\{reason="bad_credentials"\} \d+$/m);
  });

  it("a device may subscribe only under its own id: not others' topics, wildcards over them, or vigil/#", async () => {
    const gw1 = await connectClient(vigil.brokerUrl, { clientId: 'gw-1-sub', username: 'gw-1', password: gw1Password });
    for (const filter of ['devices/gw-2/#', 'devices/+/telemetry', '#', 'vigil/#', '$share/g/devices/#']) {
      await expect(gw1.subscribeAsync(filter, { qos: 0 }), filter).rejects.toThrow(/subscribe error/i);
    }
    const granted = await gw1.subscribeAsync('devices/gw-1/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const heard: string[] = [];
    gw1.on('message', (topic) => heard.push(topic));
    const gw2 = await connectClient(vigil.brokerUrl, { clientId: 'gw-2', username: 'gw-2', password: gw2Password });
    await gw2.publishAsync('devices/gw-2/telemetry', JSON.stringify({ temperature: 18 }), { qos: 1 });
    const own = await connectClient(vigil.brokerUrl, { clientId: 'gw-1-pub', username: 'gw-1', password: gw1Password });
    await own.publishAsync('devices/gw-1/status', 'online', { qos: 1 });
    await eventually(async () => (heard.includes('devices/gw-1/status') ? true : undefined), 5_000, 'gw-1 hears its own topic');
    expect(heard.filter((t) => !t.startsWith('devices/gw-1/'))).toEqual([]);
  });
});

describe('signed-in devices on their own source topics (MQTT_ANONYMOUS=false)', () => {
  let vigil: TestVigil;
  let plugPassword: string;
  const sensor = JSON.stringify({ AM2301: { Temperature: 22.5, Humidity: 41 }, TempUnit: 'C' });

  beforeAll(async () => {
    vigil = await startTestVigil({ MQTT_ANONYMOUS: 'false' });
    plugPassword = addDevice(vigil, 'plug-1');
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  const valuesOf = async (id: string) =>
    (await getJson<{ values: Record<string, { value: number }> }>(`${vigil.url}/api/devices/${encodeURIComponent(id)}`)).body.values;

  it('a Tasmota plug signed in as plug-1 publishes tele/plug-1/SENSOR and LWT: stored', async () => {
    const plug = await connectClient(vigil.brokerUrl, { clientId: 'plug-1', username: 'plug-1', password: plugPassword });
    await plug.publishAsync('tele/plug-1/SENSOR', sensor, { qos: 1 });
    await plug.publishAsync('tele/plug-1/LWT', 'Online', { qos: 1 });
    expect((await valuesOf('plug-1'))['AM2301.Temperature']?.value).toBe(22.5);
    expect(vigil.brokerGuard?.foreignTopic).toBe(0);
  });

  it('what its firmware sends on topics no source takes (INFO1, Tasmota discovery) is listed, never stored, and does not cut it off', async () => {
    const plug = await connectClient(vigil.brokerUrl, { clientId: 'plug-1-boot', username: 'plug-1', password: plugPassword });
    await plug.publishAsync('tele/plug-1/INFO1', JSON.stringify({ Info1: { Module: 'Sonoff Basic', Version: '13.1.0' } }), { qos: 1 });
    await plug.publishAsync('tasmota/discovery/A0B1C2D3E4F5/config', JSON.stringify({ t: 'plug-1', TempUnit: 'C' }), { qos: 1 });
    await plug.publishAsync('tele/plug-1/SENSOR', JSON.stringify({ AM2301: { Temperature: 23 } }), { qos: 1 });
    expect((await valuesOf('plug-1'))['AM2301.Temperature']?.value).toBe(23);
    expect(plug.connected).toBe(true);
    const listed = await eventually(
      async () => {
        const { body } = await getJson<Array<{ topic: string }>>(`${vigil.url}/api/sources/unmatched`);
        const topics = body.map((u) => u.topic);
        return topics.includes('tele/plug-1/INFO1') && topics.includes('tasmota/discovery/A0B1C2D3E4F5/config') ? topics : undefined;
      },
      10_000,
      'the firmware topics listed as unmatched',
    );
    expect(listed).not.toContain('tele/plug-1/SENSOR');
    expect(vigil.brokerGuard?.foreignTopic).toBe(0);
  });

  it('tele/<another id>/SENSOR cuts it off, counted as foreign_topic; nothing stored', async () => {
    const plug = await connectClient(vigil.brokerUrl, { clientId: 'plug-1-b', username: 'plug-1', password: plugPassword });
    const closed = closedBy(plug);
    plug.publish('tele/plug-2/SENSOR', sensor, { qos: 1 });
    await closed;
    expect(vigil.brokerGuard?.foreignTopic).toBe(1);
    expect(await deviceIds(vigil)).not.toContain('plug-2');
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_broker_refused_total\{reason="foreign_topic"\} 1$/m);
  });

  it('vigil/# stays closed to a device, whatever the sources say', async () => {
    const before = vigil.brokerGuard?.refused ?? 0;
    const plug = await connectClient(vigil.brokerUrl, { clientId: 'plug-1-c', username: 'plug-1', password: plugPassword });
    const closed = closedBy(plug);
    plug.publish('vigil/events/readings', '[]', { qos: 1 });
    await closed;
    expect(vigil.brokerGuard?.refused).toBe(before + 1);
  });

  it("a zigbee2mqtt bridge added with --gateway zigbee2mqtt publishes for its devices, and only on that source's topics", async () => {
    const password = addDevice(vigil, 'z2m-bridge', ['--gateway', 'zigbee2mqtt']);
    const bridge = await connectClient(vigil.brokerUrl, { clientId: 'z2m-bridge', username: 'z2m-bridge', password });
    // Zigbee2MQTT subscribes to its base topic for commands at start.
    expect((await bridge.subscribeAsync('zigbee2mqtt/#', { qos: 1 }))[0]?.qos).toBe(1);
    await expect(bridge.subscribeAsync('#', { qos: 0 })).rejects.toThrow(/subscribe error/i);
    await bridge.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}', { qos: 1 });
    await bridge.publishAsync('zigbee2mqtt/hall-motion', JSON.stringify({ occupancy: true, temperature: 19.8 }), { qos: 1 });
    expect((await valuesOf('hall-motion'))['temperature']?.value).toBe(19.8);
    const before = vigil.brokerGuard?.foreignTopic ?? 0;
    const closed = closedBy(bridge);
    bridge.publish('tele/plug-9/SENSOR', sensor, { qos: 1 });
    await closed;
    expect(vigil.brokerGuard?.foreignTopic).toBe(before + 1);
    expect(await deviceIds(vigil)).not.toContain('plug-9');
  });
});

describe('embedded broker defaults on loopback', () => {
  it('accepts an anonymous device (MQTT_ANONYMOUS defaults to true on a loopback HOST)', async () => {
    const vigil = await startTestVigil();
    try {
      expect(vigil.deviceAccess?.anonymous).toBe(true);
      const device = await connectClient(vigil.brokerUrl, { clientId: 'anon-ok' });
      await device.publishAsync('devices/anon-ok/telemetry', JSON.stringify({ temperature: 19 }), { qos: 1 });
      expect(await deviceIds(vigil)).toContain('anon-ok');
    } finally {
      await closeClients();
      await vigil.dispose();
    }
  });
});

describe('the built-in simulator with anonymous off', () => {
  it('its devices sign in with the per-boot secret and their readings arrive', async () => {
    const vigil = await startTestVigil({ MQTT_ANONYMOUS: 'false', SIM_DEVICES: '2' });
    try {
      const devices = await eventually(
        async () => {
          const { body } = await getJson<Device[]>(`${vigil.url}/api/devices`);
          const live = body.filter((d) => Object.keys(d.values).length > 0).map((d) => d.id);
          return live.length === 2 ? live : undefined;
        },
        15_000,
        'both simulated devices have values',
      );
      expect(devices).toEqual(['sim-001', 'sim-002']);
      expect(vigil.brokerGuard?.anonymousRefused).toBe(0);
      expect(vigil.brokerGuard?.foreignTopic).toBe(0);
    } finally {
      await vigil.dispose();
    }
  }, 30_000);
});
