import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_MS } from '../../../domain/reading.ts';
import { Collector } from '../../../sources/payload.ts';
import { digitsToMs, isTimeZone, localToUtc, toEpochMs } from '../../../sources/time.ts';

const utc = (unit: 'ms' | 's' | 'us' | 'ns' | 'iso' | 'auto') => ({ unit, zone: 'UTC' });

describe('timestamps', () => {
  it('reads epoch numbers in the given unit, or by size under auto', () => {
    expect(toEpochMs(1700000000, utc('s'))).toBe(1700000000000);
    expect(toEpochMs(1700000000123, utc('ms'))).toBe(1700000000123);
    expect(toEpochMs(1700000000123456, utc('us'))).toBe(1700000000123);
    expect(toEpochMs(1700000000.5, utc('auto'))).toBe(1700000000500);
    expect(toEpochMs(1700000000123, utc('auto'))).toBe(1700000000123);
    expect(toEpochMs('1700000000', utc('auto'))).toBe(1700000000000);
  });

  it('keeps the millisecond of a 19-digit nanosecond stamp', () => {
    expect(digitsToMs('1465839830100400200', 'ns')).toBe(1465839830100);
    expect(digitsToMs('1465839830100400200', 'auto')).toBe(1465839830100);
  });

  it('reads ISO-8601 with Z, offsets, fractions up to ns, and a space instead of T', () => {
    expect(toEpochMs('2020-08-21T10:16:52.918567009Z', utc('iso'))).toBe(Date.UTC(2020, 7, 21, 10, 16, 52, 918));
    expect(toEpochMs('2021-01-02T10:11:12+01:00', utc('iso'))).toBe(Date.UTC(2021, 0, 2, 9, 11, 12));
    expect(toEpochMs('2021-01-02 10:11:12-0530', utc('iso'))).toBe(Date.UTC(2021, 0, 2, 15, 41, 12));
    expect(toEpochMs('2024-02-30T00:00:00Z', utc('iso'))).toBeNaN();
    expect(toEpochMs('yesterday', utc('iso'))).toBeNaN();
  });

  it('reads zone-less times in the source zone, across DST', () => {
    const berlin = { unit: 'iso' as const, zone: 'Europe/Berlin' };
    expect(toEpochMs('2024-01-15T12:00:00', berlin)).toBe(Date.UTC(2024, 0, 15, 11));
    expect(toEpochMs('2024-07-15T12:00:00', berlin)).toBe(Date.UTC(2024, 6, 15, 10));
    expect(toEpochMs('2024-07-15T12:00:00', { unit: 'iso', zone: 'America/New_York' })).toBe(Date.UTC(2024, 6, 15, 16));
    expect(toEpochMs('2024-07-15T12:00:00', utc('iso'))).toBe(Date.UTC(2024, 6, 15, 12));
    // 02:30 on the spring-forward night does not exist in Berlin: it lands an hour later.
    expect(localToUtc(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 1, 30));
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('outside the accepted window: receive time, counted', () => {
    const now = Date.UTC(2026, 11, 1);
    const col = new Collector(now);
    expect(col.time(now + MAX_FUTURE_MS + 1000, utc('ms'))).toBe(now);
    expect(col.time(5, utc('ms'))).toBe(now);
    expect(col.time('garbage', utc('auto'))).toBe(now);
    expect(col.time(undefined, utc('auto'))).toBe(now);
    expect(col.tsFallbacks).toBe(3);
    expect(col.time(now - 1000, utc('ms'))).toBe(now - 1000);
  });
});
