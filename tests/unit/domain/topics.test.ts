import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceTopicFilters, parseDeviceTopic, statusTopic, telemetryTopic } from '../../../domain/topics.ts';

describe('device topics', () => {
  it('builds the documented topics and filters', () => {
    expect(telemetryTopic('devices', 'sim-001')).toBe('devices/sim-001/telemetry');
    expect(statusTopic('devices', 'sim-001')).toBe('devices/sim-001/status');
    expect(deviceTopicFilters('plant/a')).toEqual({ telemetry: 'plant/a/+/telemetry', status: 'plant/a/+/status' });
  });

  it.each([
    ['devices', 'devices/sim-001/telemetry', 'telemetry', 'sim-001'],
    ['devices', 'devices/gw.a:b_c-9/status', 'status', 'gw.a:b_c-9'],
    ['plant/a', 'plant/a/x/telemetry', 'telemetry', 'x'],
  ])('under %j, %j is %s of %s', (prefix, topic, kind, device) => {
    expect(parseDeviceTopic(prefix, topic)).toEqual({ ok: true, kind, device });
  });

  it.each([
    ['devices', 'other/sim-001/telemetry', undefined],
    ['devices', 'devicesX/sim-001/telemetry', undefined],
    ['devices', 'devices/sim-001', 'sim-001'],
    ['devices', 'devices/sim-001/telemetry/extra', 'sim-001'],
    ['devices', 'devices/sim-001/config', 'sim-001'],
    ['devices', 'devices//telemetry', ''],
    ['plant/a', 'plant/sim-001/telemetry', undefined],
  ])('under %j, %j is not a device topic', (prefix, topic, device) => {
    const parsed = parseDeviceTopic(prefix, topic);
    expect(parsed.ok).toBe(false);
    expect(parsed.device).toBe(device);
  });

  it.each(['-leading-dash', 'has space', 'a'.repeat(65), 'émoji', 'semi;colon'])('rejects the device id %j', (device) => {
    const parsed = parseDeviceTopic('devices', `devices/${device}/telemetry`);
    expect(parsed).toMatchObject({ ok: false, device });
  });

  it('parses back every topic it builds for a valid device id', () => {
    const deviceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/);
    fc.assert(
      fc.property(deviceId, fc.constantFrom('telemetry' as const, 'status' as const), (device, kind) => {
        const topic = kind === 'telemetry' ? telemetryTopic('devices', device) : statusTopic('devices', device);
        expect(parseDeviceTopic('devices', topic)).toEqual({ ok: true, kind, device });
      }),
    );
  });
});
