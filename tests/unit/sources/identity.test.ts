import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceId, isMetricName } from '../../../domain/reading.ts';
import { deviceIdFor, metricNameFor, putMetric, shortHash } from '../../../sources/identity.ts';

describe('identity: device ids and metric names from foreign names', () => {
  it('shortHash is FNV-1a 32 over UTF-8 (published test vectors)', () => {
    expect(shortHash('')).toBe('811c9dc5');
    expect(shortHash('a')).toBe('e40c292c');
    expect(shortHash('foobar')).toBe('bf9cf968');
  });

  it('keeps valid ids as they are', () => {
    for (const id of ['tasmota_3D5E26', '0x00158d0001a2b3c4', 'shellyplus1pm-441793d69718', 'urn:dev:ow:10e2073a01080063'])
      expect(deviceIdFor(id)).toBe(id);
  });

  it('folds any other name and always appends the hash of the original, so "a b" and "a/b" stay apart', () => {
    expect(deviceIdFor('Living Room/Lamp')).toBe(`Living_Room_Lamp-${shortHash('Living Room/Lamp')}`);
    expect(deviceIdFor('a b')).not.toBe(deviceIdFor('a/b'));
    expect(deviceIdFor('Küche')).toBe(`Kuche-${shortHash('Küche')}`);
    expect(deviceIdFor('__x')).toBe(`x-${shortHash('__x')}`);
    expect(deviceIdFor('///')).toBe(`device-${shortHash('///')}`);
    const long = 'x'.repeat(100);
    expect(deviceIdFor(long)).toBe(`${'x'.repeat(55)}-${shortHash(long)}`);
  });

  it('metric names fold without a suffix unless reserved, too long or colliding within one message', () => {
    expect(metricNameFor('SCD40.Temperature')).toBe('SCD40.Temperature');
    expect(metricNameFor('DS18B20-1.Temperature')).toBe('DS18B20_1.Temperature');
    expect(metricNameFor('1st')).toBe('_1st');
    expect(metricNameFor('switch:0.apower')).toBe('switch_0.apower');
    expect(metricNameFor('__proto__')).toBe(`__proto___${shortHash('__proto__')}`);
    const values = Object.create(null) as Record<string, number>;
    putMetric(values, 'a-b', 1);
    putMetric(values, 'a_b', 2);
    expect(values).toEqual({ a_b: 1, [`a_b_${shortHash('a_b')}`]: 2 });
  });

  it('always yields valid names, the same on every call (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(isDeviceId(deviceIdFor(s))).toBe(true);
        expect(isMetricName(metricNameFor(s))).toBe(true);
        expect(deviceIdFor(s)).toBe(deviceIdFor(s));
      }),
      { numRuns: 2000 },
    );
  });
});
