import { describe, expect, it } from 'vitest';
import { deviceHref, matchRoute, parseRangeKey } from '../../../dashboard/src/lib/routes.ts';

describe('routes', () => {
  it('matches the overview and device pages', () => {
    expect(matchRoute('/')).toEqual({ name: 'overview' });
    expect(matchRoute('')).toEqual({ name: 'overview' });
    expect(matchRoute('/devices/sim-001')).toEqual({ name: 'device', id: 'sim-001' });
    expect(matchRoute('/devices/sim-001/')).toEqual({ name: 'device', id: 'sim-001' });
    expect(matchRoute('/devices/a/b')).toEqual({ name: 'not-found' });
    expect(matchRoute('/devices/%E0%A4%A')).toEqual({ name: 'not-found' });
    expect(matchRoute('/nope')).toEqual({ name: 'not-found' });
  });

  it('round-trips every character a device id may hold', () => {
    const id = 'gw.7:north_2-a';
    expect(matchRoute(deviceHref(id))).toEqual({ name: 'device', id });
  });

  it('links ranges, leaving the default out of the URL', () => {
    expect(deviceHref('d1', '6h')).toBe('/devices/d1?range=6h');
    expect(deviceHref('d1', '1h')).toBe('/devices/d1');
    expect(parseRangeKey('7d')).toBe('7d');
    expect(parseRangeKey('toString')).toBe('1h');
    expect(parseRangeKey(null)).toBe('1h');
  });
});
