import { describe, expect, it } from 'vitest';
import { emptyDevice, type DeviceItem } from '../../../dashboard/src/lib/devices.ts';
import {
  chipCounts,
  matchesLocally,
  moveCount,
  OVERVIEW_PAGE,
  previewDevices,
  visibleDevices,
} from '../../../dashboard/src/lib/overview.ts';

function device(id: string, patch: Partial<DeviceItem> = {}): DeviceItem {
  return { ...emptyDevice(id), status: 'online', ...patch };
}

describe('overview list', () => {
  const byId = new Map(
    [device('a'), device('b', { status: 'offline' }), device('c'), device('d', { status: 'stale' })].map((d) => [d.id, d]),
  );
  const get = (id: string) => byId.get(id);

  it("hides a listed device that left the chip's state and shows one that entered it, once", () => {
    const shown = visibleDevices({ ids: ['a', 'b', 'c'], entered: ['d', 'c', 'e'], status: 'online', get });
    expect(shown.map((d) => d.id)).toEqual(['a', 'c']);
    const all = visibleDevices({ ids: ['a', 'b'], entered: ['d'], status: 'all', get });
    expect(all.map((d) => d.id)).toEqual(['a', 'b', 'd']);
    const stale = visibleDevices({ ids: ['a'], entered: ['d'], status: 'stale', get });
    expect(stale.map((d) => d.id)).toEqual(['d']);
  });

  it('counts every device as unknown during an outage, and none as online', () => {
    const counts = { all: 9, online: 5, stale: 3, offline: 1 };
    expect(chipCounts(counts, false)).toEqual({ ...counts, unknown: 0 });
    expect(chipCounts(counts, true)).toEqual({ all: 9, online: 0, stale: 0, offline: 0, unknown: 9 });
    expect(chipCounts(null, false)).toEqual({ all: 0, online: 0, stale: 0, offline: 0, unknown: 0 });
  });

  it('moves a count between chips when a device changes state, and the shown total with its chip', () => {
    const counts = { all: 5, online: 3, stale: 1, offline: 1 };
    expect(moveCount(counts, 3, 'online', 'online', 'offline')).toEqual({ counts: { all: 5, online: 2, stale: 1, offline: 2 }, total: 2 });
    expect(moveCount(counts, 1, 'stale', 'offline', 'stale').total).toBe(2);
    expect(moveCount(counts, 5, 'all', 'stale', 'online')).toEqual({ counts: { all: 5, online: 4, stale: 0, offline: 1 }, total: 5 });
    expect(moveCount({ ...counts, offline: 0 }, 0, 'offline', 'offline', 'online')).toMatchObject({ counts: { offline: 0 }, total: 0 });
  });

  it('stands in for a pending answer with the held devices that match, one page at most', () => {
    expect(previewDevices([...byId.values()], { q: '', labels: [], status: 'online' }).map((d) => d.id)).toEqual(['a', 'c']);
    const many = Array.from({ length: OVERVIEW_PAGE + 5 }, (_, i) => device(`d${i}`));
    expect(previewDevices(many, { q: 'd', labels: [], status: 'all' })).toHaveLength(OVERVIEW_PAGE);
  });

  it('matches search and label terms as the API does', () => {
    const d = device('boiler-1', { name: 'Basement', labels: { site: 'north', floor: '2' }, values: { temp: { value: 1, ts: 1 } } });
    const match = (q: string, labels: string[] = []) => matchesLocally(d, { q, labels, status: 'all' });
    expect(match(' BASE ')).toBe(true);
    expect(match('temp')).toBe(true);
    expect(match('', ['site:north', 'floor'])).toBe(true);
    expect(match('', ['site:south'])).toBe(false);
    expect(match('', ['room'])).toBe(false);
    expect(match('cellar')).toBe(false);
  });
});
