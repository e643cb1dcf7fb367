import { describe, expect, it } from 'vitest';
import { compareAlerts, type OrderedAlert } from '../../../domain/alert-order.ts';

const alert = (id: string, state: OrderedAlert['state'], severity: OrderedAlert['severity'], startedAt: number): OrderedAlert => ({
  id,
  device: 'd',
  state,
  severity,
  startedAt,
});

describe('alert order', () => {
  it('puts firing before resolved, then severity, then newest first', () => {
    const list = [
      alert('resolved-new-critical', 'resolved', 'critical', 900),
      alert('firing-old-info', 'firing', 'info', 100),
      alert('firing-old-critical', 'firing', 'critical', 50),
      alert('firing-new-warning', 'firing', 'warning', 800),
      alert('firing-new-critical', 'firing', 'critical', 700),
      alert('resolved-old-info', 'resolved', 'info', 10),
    ];
    expect(list.sort(compareAlerts).map((a) => a.id)).toEqual([
      'firing-new-critical',
      'firing-old-critical',
      'firing-new-warning',
      'firing-old-info',
      'resolved-new-critical',
      'resolved-old-info',
    ]);
  });

  it('breaks ties by device, then id, so the order is stable', () => {
    const a = { ...alert('b', 'firing', 'warning', 5), device: 'x' };
    const b = { ...alert('a', 'firing', 'warning', 5), device: 'x' };
    const c = { ...alert('a', 'firing', 'warning', 5), device: 'w' };
    expect([a, b, c].sort(compareAlerts)).toEqual([c, b, a]);
  });

  it('compares ties by code unit, as SQLite does, not by locale', () => {
    const upper = { ...alert('a', 'firing', 'warning', 5), device: 'Z-1' };
    const lower = { ...alert('a', 'firing', 'warning', 5), device: 'a-1' };
    const dash = { ...alert('a', 'firing', 'warning', 5), device: 'a-2' };
    const under = { ...alert('a', 'firing', 'warning', 5), device: 'a_1' };
    expect([under, lower, dash, upper].sort(compareAlerts).map((x) => x.device)).toEqual(['Z-1', 'a-1', 'a-2', 'a_1']);
  });
});
