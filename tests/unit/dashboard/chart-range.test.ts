import { describe, expect, it } from 'vitest';
import {
  apiTimes,
  parseChartRange,
  parseInstant,
  parseLast,
  rangeMemo,
  withRange,
  zoomedOut,
} from '../../../dashboard/src/lib/chart-range.ts';

const q = (text: string) => new URLSearchParams(text);

describe('chart ranges in the URL', () => {
  it('reads typed "last N" ranges and refuses nonsense', () => {
    expect(parseLast('90m')).toBe(90 * 60_000);
    expect(parseLast(' 3H ')).toBe(3 * 3_600_000);
    expect(parseLast('2d')).toBe(2 * 86_400_000);
    expect(parseLast('0m')).toBeNull();
    expect(parseLast('5w')).toBeNull();
    expect(parseLast('9999d')).toBeNull();
    expect(parseLast('toString')).toBeNull();
  });

  it('reads epoch ms (alert links) and ISO with a zone, not a zone-less date-time', () => {
    expect(parseInstant('1732430000123')).toBe(1732430000123);
    expect(parseInstant('2026-12-02T03:00:00+01:00')).toBe(Date.parse('2026-12-02T02:00:00Z'));
    expect(parseInstant('2026-12-02T03:00:00Z')).toBe(Date.parse('2026-12-02T03:00:00Z'));
    expect(parseInstant('2026-12-02T03:00:00')).toBeNull();
    expect(parseInstant('')).toBeNull();
  });

  it('prefers an ordered from/to, then range, then the default', () => {
    expect(parseChartRange(q('from=1000&to=2000&range=6h'))).toEqual({ kind: 'fixed', from: 1000, to: 2000 });
    expect(parseChartRange(q('from=2000&to=1000&range=6h'))).toEqual({ kind: 'last', key: '6h', ms: 6 * 3_600_000 });
    expect(parseChartRange(q('range=bogus'))).toEqual({ kind: 'last', key: '1h', ms: 3_600_000 });
    expect(parseChartRange(q(''))).toEqual({ kind: 'last', key: '1h', ms: 3_600_000 });
  });

  it('writes a range into the URL, keeping other parameters', () => {
    expect(withRange('/devices/a', q('range=6h&metrics=x,y'), { kind: 'fixed', from: 1000.4, to: 2000 })).toBe(
      '/devices/a?metrics=x,y&from=1000&to=2000',
    );
    expect(withRange('/devices/a', q('from=1&to=2'), { kind: 'last', key: '90m', ms: 90 * 60_000 })).toBe('/devices/a?range=90m');
    expect(withRange('/devices/a', q('from=1&to=2'), { kind: 'last', key: '1h', ms: 3_600_000 })).toBe('/devices/a');
  });

  it('asks the API for a relative range or an ISO window', () => {
    expect(apiTimes({ kind: 'last', key: '6h', ms: 0 })).toEqual({ from: '-6h', to: 'now' });
    expect(apiTimes({ kind: 'fixed', from: 0, to: 1000 })).toEqual({ from: '1970-01-01T00:00:00.000Z', to: '1970-01-01T00:00:01.000Z' });
  });

  it('zooms out to twice the span around the middle, never past now', () => {
    expect(zoomedOut({ kind: 'fixed', from: 1000, to: 2000 }, 10_000)).toEqual({ kind: 'fixed', from: 500, to: 2500 });
    expect(zoomedOut({ kind: 'fixed', from: 8000, to: 10_000 }, 10_000)).toEqual({ kind: 'fixed', from: 6000, to: 10_000 });
  });

  it('keeps the same range object while only other parameters change', () => {
    const read = rangeMemo();
    const a = read(q('range=6h&metrics=x'));
    expect(read(q('range=6h&metrics=y'))).toBe(a);
    expect(read(q('range=24h'))).not.toBe(a);
  });
});
