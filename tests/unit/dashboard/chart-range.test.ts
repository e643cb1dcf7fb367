import { describe, expect, it } from 'vitest';
import {
  apiTimes,
  fromLocalInput,
  parseChartRange,
  parseInstant,
  parseLast,
  rangeMemo,
  toLocalInput,
  withRange,
  zoomedOut,
} from '../../../dashboard/src/lib/chart-range.ts';
import { compareHref, matchRoute } from '../../../dashboard/src/lib/routes.ts';
import { axisLabel, setUtc, timeTicks, zoneName } from '../../../dashboard/src/lib/time.ts';

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

describe('datetime-local values', () => {
  it('round-trip in UTC, and refuse what is not a date-time', () => {
    const ts = Date.parse('2026-12-02T03:04:00Z');
    expect(toLocalInput(ts, true)).toBe('2026-12-02T03:04');
    expect(fromLocalInput('2026-12-02T03:04', true)).toBe(ts);
    expect(fromLocalInput(toLocalInput(ts))).toBe(ts);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('yesterday')).toBeNull();
  });
});

describe('compare links', () => {
  it('routes /compare and writes one metric or several', () => {
    expect(matchRoute('/compare')).toEqual({ name: 'compare' });
    expect(matchRoute('/compare/')).toEqual({ name: 'compare' });
    expect(compareHref(['a', 'b.c'], ['temperature'])).toBe('/compare?devices=a,b.c&metric=temperature');
    expect(compareHref(['a'], ['t', 'h'], '6h')).toBe('/compare?devices=a&metrics=t,h&range=6h');
    expect(compareHref(['a'], ['t'], { kind: 'fixed', from: 1, to: 2 })).toBe('/compare?devices=a&metric=t&from=1&to=2');
  });
});

describe('UTC display', () => {
  it('puts axis ticks and labels on UTC wall-clock times when asked, and back', () => {
    const from = Date.parse('2026-12-02T03:07:00Z');
    setUtc(true);
    try {
      expect(zoneName()).toBe('UTC');
      const { ticks } = timeTicks(from, from + 3_600_000, 6);
      expect(new Date(ticks[0]!).toISOString()).toBe('2026-12-02T03:10:00.000Z');
      expect(axisLabel(ticks[0]!, 600_000)).toBe('03:10');
    } finally {
      setUtc(false);
    }
    expect(zoneName()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
