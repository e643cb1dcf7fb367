import { describe, expect, it } from 'vitest';
import {
  deviceHref,
  labelTerms,
  matchRoute,
  overviewHref,
  parseMetrics,
  parseOverviewQuery,
  parseRangeKey,
  ruleHref,
} from '../../../dashboard/src/lib/routes.ts';

describe('routes', () => {
  it('matches the overview and device pages', () => {
    expect(matchRoute('/')).toEqual({ name: 'overview' });
    expect(matchRoute('')).toEqual({ name: 'overview' });
    expect(matchRoute('/devices/sim-001')).toEqual({ name: 'device', id: 'sim-001' });
    expect(matchRoute('/devices/sim-001/')).toEqual({ name: 'device', id: 'sim-001' });
    expect(matchRoute('/devices/a/b')).toEqual({ name: 'not-found' });
    expect(matchRoute('/devices/%E0%A4%A')).toEqual({ name: 'not-found' });
    expect(matchRoute('/nope')).toEqual({ name: 'not-found' });
    expect(matchRoute('/sources')).toEqual({ name: 'sources' });
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

  it('matches the alert and rule pages', () => {
    expect(matchRoute('/alerts')).toEqual({ name: 'alerts' });
    expect(matchRoute('/rules/')).toEqual({ name: 'rules', edit: null });
    expect(matchRoute('/rules/new')).toEqual({ name: 'rules', edit: 'new' });
    expect(matchRoute(ruleHref('r-1a'))).toEqual({ name: 'rules', edit: 'r-1a' });
    expect(ruleHref(null, { device: 'gw:1', metric: 'temperature' })).toBe('/rules/new?device=gw%3A1&metric=temperature');
    expect(ruleHref(null)).toBe('/rules/new');
  });

  it('puts the chosen metrics in the device link, readably', () => {
    expect(deviceHref('d1', '6h', ['temperature', 'humidity'])).toBe('/devices/d1?range=6h&metrics=temperature,humidity');
    expect(deviceHref('d1', '1h', null)).toBe('/devices/d1');
    expect(deviceHref('d1', '1h', [])).toBe('/devices/d1?metrics=');
    expect(parseMetrics('temperature, humidity,,temperature')).toEqual(['temperature', 'humidity']);
    expect(parseMetrics('')).toEqual([]);
    expect(parseMetrics(null)).toBeNull();
  });

  it("round-trips the overview's filter, status and order, leaving defaults out", () => {
    const q = { q: 'boiler 2', status: 'stale', sort: 'seen', label: 'site:north floor' } as const;
    expect(parseOverviewQuery(new URL(overviewHref(q), 'http://x').searchParams)).toEqual(q);
    expect(overviewHref(q)).toBe('/?q=boiler+2&status=stale&sort=seen&label=site%3Anorth&label=floor');
    expect(overviewHref({ q: '', status: 'all', sort: 'problems', label: ' ' })).toBe('/');
    expect(parseOverviewQuery(new URLSearchParams('status=bogus&sort=constructor'))).toEqual({
      q: '',
      status: 'all',
      sort: 'problems',
      label: '',
    });
    expect(labelTerms('  site:north   floor:2 ')).toEqual(['site:north', 'floor:2']);
  });
});
