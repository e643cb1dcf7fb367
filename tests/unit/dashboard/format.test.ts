import { describe, expect, it } from 'vitest';
import { formatValue } from '../../../dashboard/src/lib/format.ts';
import { relativeTime, timeTicks } from '../../../dashboard/src/lib/time.ts';

describe('relativeTime', () => {
  const now = 1_700_000_000_000;
  it.each([
    [null, 'never'],
    [now + 4_000, 'just now'],
    [now - 400, 'just now'],
    [now - 3_000, '3 s ago'],
    [now - 59_999, '59 s ago'],
    [now - 60_000, '1 min ago'],
    [now - 59 * 60_000, '59 min ago'],
    [now - 3 * 3_600_000, '3 h ago'],
    [now - 47 * 3_600_000, '47 h ago'],
    [now - 5 * 86_400_000, '5 d ago'],
  ])('%s reads "%s"', (ts, text) => {
    expect(relativeTime(ts, now)).toBe(text);
  });
});

describe('formatValue', () => {
  it.each([
    [21.5, '21.5'],
    [40, '40'],
    [-3.14159, '-3.142'],
    [1234567.25, '1234567.25'],
    [0, '0'],
    [0.0001234, '0.0001234'],
    [5e12, '5.000e+12'],
    [undefined, '–'],
  ])('%s shows as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('timeTicks', () => {
  const H = 3_600_000;
  it('puts ticks on round times within the range', () => {
    const from = Date.UTC(2025, 0, 1, 10, 7, 13);
    const { step, ticks } = timeTicks(from, from + H, 6, 0);
    expect(step).toBe(10 * 60_000);
    expect(ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['10:10', '10:20', '10:30', '10:40', '10:50', '11:00']);
    expect(timeTicks(from, from + H, 4, 0).step).toBe(15 * 60_000);
  });

  it('rounds in local time, so a +05:30 zone gets ticks on its own hours', () => {
    const from = Date.UTC(2025, 0, 1, 0, 0, 0);
    const offset = -5.5 * H; // getTimezoneOffset() is negative east of UTC
    const { ticks } = timeTicks(from, from + 6 * H, 6, offset);
    expect(ticks.map((t) => ((t - offset) / H) % 24)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('uses whole days for long ranges and survives a tiny width', () => {
    const from = Date.UTC(2025, 0, 1);
    expect(timeTicks(from, from + 7 * 24 * H, 8, 0).step).toBe(24 * H);
    expect(timeTicks(from, from + 7 * 24 * H, 0, 0).ticks.length).toBe(1);
  });
});

describe('formatValue per locale', () => {
  it('uses the locale decimal separator, never grouping, the same for small and large values', () => {
    expect(formatValue(1234.5678, 'de-DE')).toBe('1234,568');
    expect(formatValue(0.0001234, 'de-DE')).toBe('0,0001234');
    expect(formatValue(1234.5678, 'en-US')).toBe('1234.568');
  });
});
