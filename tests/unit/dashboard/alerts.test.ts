import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../dashboard/src/lib/api.ts';
import {
  alertMatches,
  alertsHref,
  compareAlerts,
  parseAlertFilter,
  formatThreshold,
  mergeAlert,
  mergeSnapshot,
  needsAttention,
  upsertAlert,
  worstFiring,
} from '../../../dashboard/src/lib/alerts.ts';

const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 'a1',
  ruleId: 'r1',
  device: 'd1',
  metric: 'temperature',
  severity: 'warning',
  state: 'firing',
  acknowledged: false,
  value: 31,
  threshold: 30,
  startedAt: 1_000,
  resolvedAt: null,
  ackedAt: null,
  ackNote: null,
  message: 'hot',
  ...over,
});

describe('alerts', () => {
  it('only moves an alert forward, whichever version comes last', () => {
    const acked = alert({ acknowledged: true, ackedAt: 2_000 });
    const resolved = alert({ state: 'resolved', resolvedAt: 3_000, value: 29, message: 'ok again' });
    // The stream said acknowledged, then a slower refetch still had it unacknowledged.
    expect(mergeAlert(acked, alert())).toMatchObject({ acknowledged: true, ackedAt: 2_000, state: 'firing' });
    // Resolved (without the ack) and acked (without the resolution), in either order.
    for (const merged of [mergeAlert(acked, resolved), mergeAlert(resolved, acked)]) {
      expect(merged).toMatchObject({
        state: 'resolved',
        resolvedAt: 3_000,
        acknowledged: true,
        ackedAt: 2_000,
        value: 29,
        message: 'ok again',
      });
    }
  });

  it('keeps the list newest first, replaces by id and caps its length', () => {
    let list: Alert[] = [];
    list = upsertAlert(list, alert({ id: 'old', startedAt: 1 }));
    list = upsertAlert(list, alert({ id: 'new', startedAt: 5 }));
    list = upsertAlert(list, alert({ id: 'old', startedAt: 1, acknowledged: true, ackedAt: 9 }));
    expect(list.map((a) => [a.id, a.acknowledged])).toEqual([
      ['new', false],
      ['old', true],
    ]);
    const resolved = list.map((a) => ({ ...a, state: 'resolved' as const, resolvedAt: 20 }));
    expect(upsertAlert(resolved, alert({ id: 'newest', startedAt: 9, state: 'resolved' }), 2).map((a) => a.id)).toEqual(['newest', 'new']);
    expect([alert({ id: 'b', device: 'd2' }), alert({ id: 'a', device: 'd1' })].sort(compareAlerts).map((a) => a.id)).toEqual(['a', 'b']);
  });

  it('orders firing first, then by severity, then newest, so resolved noise cannot bury a firing critical', () => {
    const noise = Array.from({ length: 11 }, (_, i) => alert({ id: `n${i}`, state: 'resolved', resolvedAt: 100 + i, startedAt: 50 + i }));
    const critical = alert({ id: 'crit', severity: 'critical', startedAt: 1 });
    const warning = alert({ id: 'warn', severity: 'warning', startedAt: 40 });
    let list: Alert[] = [];
    for (const a of [critical, warning, ...noise]) list = upsertAlert(list, a);
    expect(list.slice(0, 3).map((a) => a.id)).toEqual(['crit', 'warn', 'n10']);
    // Trimming takes resolved alerts only, however old the firing ones are.
    expect(mergeSnapshot([], [...noise, warning, critical], 3).map((a) => a.id)).toEqual(['crit', 'warn', 'n10']);
    const firing = Array.from({ length: 4 }, (_, i) => alert({ id: `f${i}`, startedAt: i }));
    expect(mergeSnapshot([], [...noise, ...firing], 3)).toHaveLength(4);
  });

  it('merges a refetched snapshot with what the stream brought meanwhile', () => {
    const live = [alert({ id: 'x', startedAt: 10, acknowledged: true, ackedAt: 11 })];
    const fresh = [alert({ id: 'x', startedAt: 10 }), alert({ id: 'y', startedAt: 5 })];
    expect(mergeSnapshot(live, fresh).map((a) => [a.id, a.acknowledged])).toEqual([
      ['x', true],
      ['y', false],
    ]);
  });

  it('says what needs attention and how bad it is', () => {
    expect(needsAttention(alert())).toBe(true);
    expect(needsAttention(alert({ acknowledged: true }))).toBe(true);
    expect(needsAttention(alert({ state: 'resolved' }))).toBe(true);
    expect(needsAttention(alert({ state: 'resolved', acknowledged: true }))).toBe(false);
    expect(
      worstFiring([alert({ severity: 'info' }), alert({ severity: 'critical', state: 'resolved' }), alert({ severity: 'warning' })]),
    ).toBe('warning');
    expect(worstFiring([])).toBeNull();
    expect(formatThreshold([10, 20])).toBe('10 – 20');
    expect(formatThreshold(5)).toBe('5');
    expect(formatThreshold(null)).toBe('');
  });

  it('filters the alarm table by severity and device, keeping the filter in the URL', () => {
    const a = alert({ severity: 'warning', device: 'Boiler-3' });
    expect(alertMatches(a, { severity: [], device: '' })).toBe(true);
    expect(alertMatches(a, { severity: ['warning', 'info'], device: 'boil' })).toBe(true);
    expect(alertMatches(a, { severity: ['critical'], device: '' })).toBe(false);
    expect(alertMatches(a, { severity: [], device: 'pump' })).toBe(false);
    const href = alertsHref('all', { severity: ['critical', 'info'], device: ' sim-1 ' });
    expect(href).toBe('/alerts?show=all&severity=critical%2Cinfo&device=sim-1');
    expect(parseAlertFilter(new URL(href, 'http://x').searchParams)).toEqual({ severity: ['critical', 'info'], device: 'sim-1' });
    expect(parseAlertFilter(new URLSearchParams('severity=bogus,info'))).toEqual({ severity: ['info'], device: '' });
    expect(alertsHref('attention', { severity: [], device: '' })).toBe('/alerts');
  });
});
