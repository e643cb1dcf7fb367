import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../api/errors.ts';
import { parseRange, parseTime } from '../../../api/time-range.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;

function refusal(name: string, raw: string): HttpError {
  try {
    parseTime(name, raw, NOW);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`${raw} was accepted`);
}

describe('parseTime', () => {
  it.each([
    ['now', NOW],
    ['-1h', NOW - HOUR],
    ['-7d', NOW - 7 * 24 * HOUR],
    ['now-1h', NOW - HOUR],
    ['now-7d', NOW - 7 * 24 * HOUR],
    ['now-15m', NOW - 15 * 60_000],
    ['now+5m', NOW + 5 * 60_000],
    [' now-30s ', NOW - 30_000],
    ['1767225600000', 1_767_225_600_000],
    ['2026-01-01T10:00:00Z', Date.parse('2026-01-01T10:00:00Z')],
    ['2026-01-01T10:00:00.250Z', Date.parse('2026-01-01T10:00:00.250Z')],
    ['2026-01-01T10:00:00+02:00', Date.parse('2026-01-01T08:00:00Z')],
    ['2026-01-01T10:00-05:00', Date.parse('2026-01-01T15:00:00Z')],
    ['2026-01-01', Date.parse('2026-01-01T00:00:00Z')],
  ])('reads %j', (raw, expected) => {
    expect(parseTime('from', raw, NOW)).toBe(expected);
  });

  it('treats a missing or empty value as absent', () => {
    expect(parseTime('from', undefined, NOW)).toBeNull();
    expect(parseTime('from', '', NOW)).toBeNull();
  });

  it.each(['2026-01-01T10:00:00', '2026-01-01T10:00', '2026-01-01 10:00:00', '2026-01-01T10:00:00.5'])(
    'refuses the zone-less date-time %j with a 400 that names the parameter and asks for a zone',
    (raw) => {
      const err = refusal('to', raw);
      expect(err.status).toBe(400);
      expect(err.code).toBe('bad_time');
      expect(err.message).toMatch(/^to /);
      expect(err.message).toMatch(/add a zone/);
      expect(err.message).toContain('Z');
    },
  );

  it.each(['yesterday', 'now-', 'now-1y', 'now/d', 'now-1h/h', '-', '2026-13-45T99:00:00Z', 'nowish'])(
    'refuses %j naming the parameter',
    (raw) => {
      const err = refusal('from', raw);
      expect(err.status).toBe(400);
      expect(err.code).toBe('bad_time');
      expect(err.message).toMatch(/^from must be/);
    },
  );
});

describe('parseRange', () => {
  it('takes Grafana-style bounds together', () => {
    expect(parseRange({ from: 'now-6h', to: 'now' }, NOW, HOUR)).toEqual({ from: NOW - 6 * HOUR, to: NOW });
  });

  it('defaults to the span before `to`', () => {
    expect(parseRange({ to: 'now-1h' }, NOW, HOUR)).toEqual({ from: NOW - 2 * HOUR, to: NOW - HOUR });
  });

  it('refuses from after to', () => {
    expect(() => parseRange({ from: 'now', to: 'now-1h' }, NOW, HOUR)).toThrow(/from must not be after to/);
  });
});
