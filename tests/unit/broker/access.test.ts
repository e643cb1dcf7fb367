/** Who may publish and subscribe to what on the embedded broker (broker/access.ts). */
import { describe, expect, it } from 'vitest';
import { deviceMayPublish, deviceMaySubscribe, type DeviceIdentity } from '../../../broker/access.ts';

const gw1: DeviceIdentity = { kind: 'device', id: 'gw-1', topicPrefix: 'devices' };
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

  it('an anonymous client may not name vigil/ topics', () => {
    expect(deviceMaySubscribe(anonymous, 'vigil/#')).toBe(false);
    expect(deviceMaySubscribe(anonymous, 'vigil/events/readings')).toBe(false);
    expect(deviceMaySubscribe(anonymous, '#')).toBe(true);
  });
});
