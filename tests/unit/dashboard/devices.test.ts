import { describe, expect, it } from 'vitest';
import { parseStreamEvent } from '../../../dashboard/src/lib/api.ts';
import {
  applyDeviceEvent,
  applyReading,
  shownStatus,
  applySnapshot,
  compareIds,
  emptyDevice,
  formatLabels,
  parseLabels,
  withUnit,
  sortDevices,
} from '../../../dashboard/src/lib/devices.ts';

describe('device state', () => {
  it('moves a metric forward in time only', () => {
    const d = emptyDevice('d1');
    applyReading(d, { device: 'd1', ts: 2_000, values: { t: 2, h: 50 } }, 10_000);
    applyReading(d, { device: 'd1', ts: 1_000, values: { t: 1, p: 7 } }, 11_000);
    expect(d.values).toEqual({ t: { value: 2, ts: 2_000 }, h: { value: 50, ts: 2_000 }, p: { value: 7, ts: 1_000 } });
    expect(d.lastSeen).toBe(11_000);
    expect(d.status).toBe('online');
    applyReading(d, { device: 'd1', ts: 2_000, values: { t: 3 } }, 12_000);
    expect(d.values['t']).toEqual({ value: 3, ts: 2_000 });
  });

  it('buffers sparkline points for the first two metrics in time order', () => {
    const d = emptyDevice('d1');
    applyReading(d, { device: 'd1', ts: 2, values: { b: 2, a: 1, c: 3 } }, 0);
    applyReading(d, { device: 'd1', ts: 1, values: { a: 0 } }, 0);
    expect(d.spark).toEqual({
      a: [
        [1, 0],
        [2, 1],
      ],
      b: [[2, 2]],
    });
  });

  it('takes status from device events and from snapshots', () => {
    const d = emptyDevice('d1');
    applyDeviceEvent(d, { device: 'd1', status: 'offline', ts: 5 });
    expect(d.status).toBe('offline');
    applySnapshot(d, { id: 'd1', name: null, labels: {}, units: {}, status: 'stale', lastSeen: 100, values: {} });
    expect(d.status).toBe('stale');
    expect(d.lastSeen).toBe(100);
  });

  it('does not let a snapshot that raced a live reading undo it', () => {
    const d = emptyDevice('d1');
    applyReading(d, { device: 'd1', ts: 5_000, values: { t: 21.5 } }, 9_000);
    applySnapshot(d, {
      id: 'd1',
      name: null,
      labels: {},
      units: {},
      status: 'online',
      lastSeen: 4_000,
      values: { t: { value: 20, ts: 4_000 }, h: { value: 40, ts: 4_000 } },
    });
    expect(d.values).toEqual({ t: { value: 21.5, ts: 5_000 }, h: { value: 40, ts: 4_000 } });
    expect(d.lastSeen).toBe(9_000);
    expect(Object.keys(d.spark).sort()).toEqual(['h', 't']);
  });

  it('sorts ids with numbers in order', () => {
    const ids = ['sim-10', 'sim-2', 'alpha', 'Sim-1'].map((id) => ({ id }));
    expect(ids.sort(compareIds).map((d) => d.id)).toEqual(['alpha', 'Sim-1', 'sim-2', 'sim-10']);
  });

  it('takes name, labels and units from the list and from device events, null clearing the name', () => {
    const d = emptyDevice('d1');
    applySnapshot(d, {
      id: 'd1',
      name: 'Boiler',
      labels: { site: 'north' },
      units: { t: '°C' },
      status: 'online',
      lastSeen: 1,
      values: {},
    });
    expect([d.name, d.labels, d.units]).toEqual(['Boiler', { site: 'north' }, { t: '°C' }]);
    applyDeviceEvent(d, { device: 'd1', status: 'offline', ts: 2 });
    expect([d.name, d.status]).toEqual(['Boiler', 'offline']);
    applyDeviceEvent(d, { device: 'd1', status: 'online', ts: 3, name: null, labels: {}, units: {} });
    expect([d.name, d.labels, d.units]).toEqual([null, {}, {}]);
    expect(withUnit('21.5', '°C')).toBe('21.5 °C');
    expect(withUnit('–', '°C')).toBe('–');
    expect(withUnit('3', undefined)).toBe('3');
  });

  it("reads and writes the editor's key=value label lines", () => {
    expect(parseLabels('site = north\n\nroom=boiler=2\n')).toEqual({ labels: { site: 'north', room: 'boiler=2' } });
    expect(parseLabels('site north')).toEqual({ error: 'line 1: write labels as key=value' });
    expect(parseLabels('=x')).toHaveProperty('error');
    expect(formatLabels({ site: 'north', room: 'b' })).toBe('site=north\nroom=b');
  });
});

describe('sortDevices', () => {
  const d = (id: string, status: 'online' | 'stale' | 'offline', lastSeen: number | null) => ({ id, status, lastSeen });
  const fleet = [
    d('sim-10', 'online', 50),
    d('sim-2', 'offline', 10),
    d('sim-1', 'stale', null),
    d('sim-3', 'online', 90),
    d('sim-4', 'stale', 20),
  ];
  const ids = (list: readonly { id: string }[]) => list.map((x) => x.id);

  it('puts problems first: firing alerts, then offline, stale, online, each by id', () => {
    expect(ids(sortDevices(fleet, 'problems'))).toEqual(['sim-2', 'sim-1', 'sim-4', 'sim-3', 'sim-10']);
    expect(ids(sortDevices(fleet, 'problems', (id) => (id === 'sim-10' ? 2 : 0)))).toEqual(['sim-10', 'sim-2', 'sim-1', 'sim-4', 'sim-3']);
  });

  it('sorts by id or by last seen, never-seen last', () => {
    expect(ids(sortDevices(fleet, 'id'))).toEqual(['sim-1', 'sim-2', 'sim-3', 'sim-4', 'sim-10']);
    expect(ids(sortDevices(fleet, 'seen'))).toEqual(['sim-3', 'sim-10', 'sim-4', 'sim-2', 'sim-1']);
    expect(ids(fleet)).toEqual(['sim-10', 'sim-2', 'sim-1', 'sim-3', 'sim-4']);
  });
});

describe('parseStreamEvent', () => {
  it('accepts well-formed events and drops malformed ones', () => {
    expect(parseStreamEvent('reading', '{"device":"d","ts":1,"values":{"t":1}}')).toEqual({ device: 'd', ts: 1, values: { t: 1 } });
    expect(parseStreamEvent('reading', '{"device":"d","ts":1,"values":{"t":"hot"}}')).toBeNull();
    expect(parseStreamEvent('reading', 'not json')).toBeNull();
    expect(parseStreamEvent('device', '{"device":"d","status":"offline","ts":3}')).toEqual({ device: 'd', status: 'offline', ts: 3 });
    expect(parseStreamEvent('device', '[1]')).toBeNull();
    expect(parseStreamEvent('reset', '{"reason":"unknown boot"}')).toEqual({ reason: 'unknown boot' });
    const alert = { id: 'a', ruleId: 'r', device: 'd', state: 'firing', acknowledged: false, startedAt: 1 };
    expect(parseStreamEvent('alert', JSON.stringify(alert))).toEqual(alert);
    expect(parseStreamEvent('alert', JSON.stringify({ ...alert, startedAt: 'yesterday' }))).toBeNull();
  });
});

describe('shownStatus', () => {
  it('keeps the last known state until the stream has been down longer than STALE_AFTER, then says unknown', () => {
    expect(shownStatus('online', null, 1_000_000, 60_000)).toBe('online');
    expect(shownStatus('online', 1_000_000, 1_060_000, 60_000)).toBe('online');
    expect(shownStatus('online', 1_000_000, 1_060_001, 60_000)).toBe('unknown');
    expect(shownStatus('offline', 0, 1_000_000, 60_000)).toBe('unknown');
  });
});
