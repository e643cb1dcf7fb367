/** Who may publish and subscribe to what on the embedded broker (broker/access.ts). */
import { describe, expect, it } from 'vitest';
import { deviceMayPublish, deviceMaySubscribe, filterWithin, publishRight, type DeviceIdentity } from '../../../broker/access.ts';
import { sourceFilters, topicClaims } from '../../../sources/claims.ts';
import { deviceIdFor } from '../../../sources/identity.ts';
import { buildSources, parseSourcesFile } from '../../../sources/index.ts';

const gw1: DeviceIdentity = { kind: 'device', id: 'gw-1', topicPrefix: 'devices', gateway: [] };
const device = (id: string, gateway: readonly string[] = []): DeviceIdentity => ({ kind: 'device', id, topicPrefix: 'devices', gateway });

const custom = parseSourcesFile(
  JSON.stringify([
    { name: 'site', topic: 'site/{device}/env/{metric}', format: 'value', status: { topic: 'site/{device}/alive' } },
    { name: 'lines', topic: 'lines/{room}', format: 'influx' },
  ]),
  'sources.json',
);
if (!custom.ok) throw new Error(custom.errors.join('\n'));
/** Every built-in source and two custom ones, as `npm start` builds them with SOURCES=all. */
const all = buildSources({ prefix: 'devices', enabled: 'all', custom: custom.sources });
const claims = topicClaims(all);
const filters = sourceFilters(all);
const anonymous: DeviceIdentity = { kind: 'anonymous' };

describe('deviceMayPublish', () => {
  it('a signed-in device publishes under its own id only', () => {
    expect(deviceMayPublish(gw1, 'devices/gw-1/telemetry')).toBe(true);
    expect(deviceMayPublish(gw1, 'devices/gw-1/status')).toBe(true);
    expect(deviceMayPublish(gw1, 'devices/gw-2/telemetry')).toBe(false);
    expect(deviceMayPublish(gw1, 'devices/gw-10/telemetry')).toBe(false);
    expect(deviceMayPublish(gw1, 'devices/gw-1x/telemetry')).toBe(false);
    expect(deviceMayPublish(gw1, 'other/gw-1/telemetry')).toBe(false);
  });

  it('nobody but Vigil publishes on vigil/ or $ topics', () => {
    for (const who of [gw1, anonymous]) {
      expect(deviceMayPublish(who, 'vigil/events/readings')).toBe(false);
      expect(deviceMayPublish(who, 'vigil')).toBe(false);
      expect(deviceMayPublish(who, '$SYS/x')).toBe(false);
    }
  });

  it("a signed-in device publishes any source's topic that names its own id", () => {
    const plug = device('plug-1');
    for (const topic of [
      'tele/plug-1/SENSOR',
      'tele/plug-1/STATE',
      'tele/plug-1/LWT',
      'zigbee2mqtt/plug-1',
      'zigbee2mqtt/plug-1/availability',
      'plug-1/sensor/temperature/state',
      'plug-1/binary_sensor/door/state',
      'plug-1/status',
      'plug-1/status/switch:0',
      'plug-1/events/rpc',
      'plug-1/online',
      'shellies/plug-1/relay/0/power',
      'senml/plug-1',
      'homeassistant/sensor/plug-1/temperature/config',
      'site/plug-1/env/temperature',
      'site/plug-1/alive',
    ]) {
      expect(deviceMayPublish(plug, topic, claims), topic).toBe(true);
      expect(deviceMayPublish(device('plug-2'), topic, claims), `${topic} as plug-2`).toBe(false);
    }
  });

  it('the id is compared after the sources make it safe: a name with a space is its hashed id', () => {
    const id = deviceIdFor('Living Room');
    expect(id).toMatch(/^Living_Room-[0-9a-f]{8}$/);
    expect(deviceMayPublish(device(id), 'tele/Living Room/SENSOR', claims)).toBe(true);
    expect(deviceMayPublish(device('Living_Room'), 'tele/Living Room/SENSOR', claims)).toBe(false);
  });

  it("no device publishes another's topic or one whose payload names the device: refused", () => {
    const plug = device('plug-1');
    for (const topic of [
      'tele/plug-2/SENSOR',
      'zigbee2mqtt/bridge/state',
      'zigbee2mqtt/plug-1/set', // `plug-1/set` or attribute `set`: the payload decides
      'telegraf/plug-1/cpu', // the `host` tag wins
      'v3/app@ttn/devices/plug-1/up', // end_device_ids wins
      'homeassistant/sensor/temperature/config', // no node id: the payload names the device
      'homeassistant/status',
      'lines/kitchen', // custom influx without {device}: the host tag names it
      'shellies/announce',
      'devices/plug-2/telemetry',
      'vigil/events/readings',
    ]) {
      expect(publishRight(plug, topic, claims), topic).toBe('refused');
      expect(deviceMayPublish(plug, topic, claims), topic).toBe(false);
    }
  });

  it('a topic no source takes is list-only: listed as unmatched, never decoded, the device not cut off', () => {
    const plug = device('plug-1');
    // What Tasmota sends at every boot besides SENSOR/STATE/LWT.
    for (const topic of ['tele/plug-1/INFO1', 'stat/plug-1/RESULT', 'tasmota/discovery/A0B1C2D3E4F5/config', 'anything/else', 'plug-1']) {
      expect(publishRight(plug, topic, claims), topic).toBe('list-only');
      expect(deviceMayPublish(plug, topic, claims), topic).toBe(false);
    }
  });

  it('without claims (no sources given) only the native topics are a signed-in device’s; the rest is refused', () => {
    expect(publishRight(device('plug-1'), 'tele/plug-1/SENSOR')).toBe('refused');
    expect(publishRight(device('plug-1'), 'tele/plug-1/INFO1')).toBe('refused');
    expect(publishRight(device('plug-1'), 'devices/plug-1/telemetry')).toBe('publish');
  });

  it("a gateway publishes its sources' topics for any device, and nothing else", () => {
    const bridge = device('z2m-bridge', ['zigbee2mqtt']);
    expect(deviceMayPublish(bridge, 'zigbee2mqtt/kitchen lamp', claims)).toBe(true);
    expect(deviceMayPublish(bridge, 'zigbee2mqtt/hall/motion/availability', claims)).toBe(true);
    expect(deviceMayPublish(bridge, 'zigbee2mqtt/bridge/state', claims)).toBe(true);
    expect(deviceMayPublish(bridge, 'devices/z2m-bridge/status', claims)).toBe(true);
    expect(deviceMayPublish(bridge, 'tele/plug-1/SENSOR', claims)).toBe(false);
    expect(deviceMayPublish(bridge, 'devices/plug-1/telemetry', claims)).toBe(false);
    expect(deviceMayPublish(bridge, 'vigil/events/readings', claims)).toBe(false);
    expect(deviceMayPublish(bridge, 'vigil/#', claims)).toBe(false);
    const apps = device('ttn-app', ['ttn', 'telegraf', 'lines']);
    expect(deviceMayPublish(apps, 'v3/app@ttn/devices/node-7/up', claims)).toBe(true);
    expect(deviceMayPublish(apps, 'telegraf/db-1/cpu', claims)).toBe(true);
    expect(deviceMayPublish(apps, 'lines/kitchen', claims)).toBe(true);
    expect(deviceMayPublish(apps, 'senml/node-7', claims)).toBe(false);
  });

  it('a topic two sources take is a device’s only when both name it, a gateway’s only when it bridges both', () => {
    // ESPHome reads `plug-1/sensor/plug-2/state` as plug-1's, this custom source as plug-2's.
    const spec = parseSourcesFile(JSON.stringify([{ name: 'hubs', topic: '{hub}/sensor/{device}/state', format: 'value' }]), 'f.json');
    if (!spec.ok) throw new Error(spec.errors.join('\n'));
    const both = topicClaims(buildSources({ prefix: 'devices', enabled: ['esphome'], custom: spec.sources }));
    const topic = 'plug-1/sensor/plug-2/state';
    expect(both(topic).map((c) => [c.source, c.device])).toEqual([
      ['esphome', 'plug-1'],
      ['hubs', 'plug-2'],
    ]);
    expect(deviceMayPublish(device('plug-1'), topic, both)).toBe(false);
    expect(deviceMayPublish(device('plug-2'), topic, both)).toBe(false);
    expect(deviceMayPublish(device('gw', ['esphome']), topic, both)).toBe(false);
    expect(deviceMayPublish(device('gw', ['esphome', 'hubs']), topic, both)).toBe(true);
    expect(deviceMayPublish(device('plug-2', ['esphome']), topic, both)).toBe(true);
  });

  it('an anonymous client (MQTT_ANONYMOUS on) publishes any device topic, as before', () => {
    expect(deviceMayPublish(anonymous, 'devices/gw-2/telemetry')).toBe(true);
  });
});

describe('deviceMaySubscribe', () => {
  it("a signed-in device hears its own subtree, not others' or wildcards over them", () => {
    expect(deviceMaySubscribe(gw1, 'devices/gw-1/#')).toBe(true);
    expect(deviceMaySubscribe(gw1, 'devices/gw-1/cmd')).toBe(true);
    expect(deviceMaySubscribe(gw1, 'devices/gw-2/#')).toBe(false);
    expect(deviceMaySubscribe(gw1, 'devices/+/telemetry')).toBe(false);
    expect(deviceMaySubscribe(gw1, '#')).toBe(false);
    expect(deviceMaySubscribe(gw1, '$share/g/devices/gw-1/#')).toBe(false);
    expect(deviceMaySubscribe(gw1, 'vigil/#')).toBe(false);
  });

  it("a gateway also subscribes within its sources' filters (zigbee2mqtt's own `zigbee2mqtt/#`), nothing wider", () => {
    const bridge = device('z2m-bridge', ['zigbee2mqtt']);
    for (const filter of ['zigbee2mqtt/#', 'zigbee2mqtt/+/set', 'zigbee2mqtt/bridge/request/#', 'devices/z2m-bridge/#']) {
      expect(deviceMaySubscribe(bridge, filter, filters), filter).toBe(true);
    }
    for (const filter of ['#', '+/#', 'tele/#', 'vigil/#', '$share/g/zigbee2mqtt/#', 'homeassistant/status']) {
      expect(deviceMaySubscribe(bridge, filter, filters), filter).toBe(false);
    }
    expect(deviceMaySubscribe(device('plug-1'), 'zigbee2mqtt/#', filters)).toBe(false);
    expect(deviceMaySubscribe(bridge, 'zigbee2mqtt/#')).toBe(false);
  });

  it('filterWithin: every topic the inner filter matches, the outer matches too', () => {
    const cases: ReadonlyArray<readonly [string, string, boolean]> = [
      ['a/#', 'a/#', true],
      ['a', 'a/#', true],
      ['a/b/c', 'a/#', true],
      ['a/+/c', 'a/+/c', true],
      ['a/b/c', 'a/+/c', true],
      ['a/+/c', 'a/b/c', false],
      ['a/#', 'a/+/c', false],
      ['#', 'a/#', false],
      ['a/b', 'a/+/c', false],
      ['a/b/c/d', 'a/+/c', false],
      ['$SYS/x', '#', false],
    ];
    for (const [inner, outer, want] of cases) expect(filterWithin(inner, outer), `${inner} within ${outer}`).toBe(want);
  });

  it('an anonymous client may not name vigil/ topics', () => {
    expect(deviceMaySubscribe(anonymous, 'vigil/#')).toBe(false);
    expect(deviceMaySubscribe(anonymous, 'vigil/events/readings')).toBe(false);
    expect(deviceMaySubscribe(anonymous, '#')).toBe(true);
  });
});
