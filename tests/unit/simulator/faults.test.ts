import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, parseStatus, parseTelemetry, REJECT_REASONS } from '../../../domain/reading.ts';
import { parseDeviceTopic, telemetryTopic } from '../../../domain/topics.ts';
import { BEHAVIOUR_FAULTS, FAULT_KINDS, PAYLOAD_FAULTS } from '../../../simulator/faults.ts';

const NOW = Date.UTC(2024, 10, 24, 6, 33, 20, 123);
const cases = PAYLOAD_FAULTS.flatMap((fault) => Array.from({ length: fault.variants }, (_, variant) => ({ fault, variant })));

describe('fault payloads', () => {
  it.each(cases.map(({ fault, variant }) => [fault.reason, variant, fault] as const))(
    '%s (variant %i) is rejected by ingest for exactly that reason',
    (reason, variant, fault) => {
      for (const metrics of [['temperature', 'humidity'], ['co2']]) {
        const message = fault.make({ device: 'sim-001', now: NOW, metrics }, variant);
        if (message.kind === 'status') {
          expect(reason).toBe('bad_status');
          expect(parseStatus(message.payload)).toBeNull();
          continue;
        }
        const result = parseTelemetry(message.device, message.payload, NOW);
        expect(result.ok ? 'accepted' : result.reason).toBe(reason);
      }
    },
  );

  it('covers every reject reason a device can cause through its subscribed topics', () => {
    // bad_topic needs a topic outside {prefix}/+/telemetry|status, which ingest never subscribes to;
    // no_values comes only from the lenient device sources, never from the strict native format.
    const reachable = REJECT_REASONS.filter((r) => r !== 'bad_topic' && r !== 'no_values');
    expect(new Set(PAYLOAD_FAULTS.map((f) => f.reason))).toEqual(new Set(reachable));
  });

  it('sends a bad device id to a topic that still matches the telemetry subscription', () => {
    const fault = PAYLOAD_FAULTS.find((f) => f.reason === 'bad_device_id')!;
    for (let v = 0; v < fault.variants; v++) {
      const { device } = fault.make({ device: 'sim-001', now: NOW, metrics: ['temperature'] }, v);
      const topic = telemetryTopic('devices', device);
      expect(topic.split('/')).toHaveLength(3);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters a topic must not hold
      expect(topic).not.toMatch(/[+#\u0000]/);
      expect(parseDeviceTopic('devices', topic).ok).toBe(false);
    }
  });

  it('makes the oversized payloads just that: over 64 KiB', () => {
    const fault = PAYLOAD_FAULTS.find((f) => f.reason === 'too_large')!;
    for (let v = 0; v < fault.variants; v++) {
      expect(fault.make({ device: 'sim-001', now: NOW, metrics: ['temperature'] }, v).payload.byteLength).toBeGreaterThan(
        MAX_PAYLOAD_BYTES,
      );
    }
  });

  it('is deterministic for a variant, apart from the time it is given', () => {
    for (const { fault, variant } of cases.filter((c) => c.fault.reason !== 'too_large' && c.fault.reason !== 'too_many_entries')) {
      const a = fault.make({ device: 'sim-002', now: NOW, metrics: ['temperature'] }, variant);
      const b = fault.make({ device: 'sim-002', now: NOW, metrics: ['temperature'] }, variant);
      expect(a).toEqual(b);
    }
  });

  it('lists behaviour faults beside the payload ones', () => {
    expect(FAULT_KINDS).toEqual(expect.arrayContaining([...BEHAVIOUR_FAULTS]));
    expect(FAULT_KINDS).toHaveLength(PAYLOAD_FAULTS.length + BEHAVIOUR_FAULTS.length);
  });
});
