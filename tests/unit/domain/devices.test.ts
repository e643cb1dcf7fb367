/**
 * deviceState: SPEC counts staleness from the later of the last telemetry and the last
 * `online`, so a device that has just said `online` is online until STALE_AFTER passes.
 */
import { describe, expect, it } from 'vitest';
import { deviceState, type DeviceRecord } from '../../../domain/devices.ts';

const STALE = 60_000;
const record = (r: Partial<DeviceRecord>): DeviceRecord => ({
  id: 'd',
  reported: null,
  reportedAt: null,
  lastSeen: null,
  values: {},
  ...r,
});

describe('deviceState', () => {
  const table: [string, Partial<DeviceRecord>, number, 'online' | 'offline' | 'stale'][] = [
    ['never heard of: stale', {}, 0, 'stale'],
    ['recent telemetry: online', { lastSeen: 1_000 }, 1_000 + STALE, 'online'],
    ['telemetry older than STALE_AFTER: stale', { lastSeen: 1_000 }, 1_001 + STALE, 'stale'],
    ['said online, no telemetry yet: online', { reported: 'online', reportedAt: 5_000 }, 5_000 + STALE, 'online'],
    ['said online long ago, no telemetry: stale', { reported: 'online', reportedAt: 5_000 }, 5_001 + STALE, 'stale'],
    [
      'online after old telemetry counts from the online',
      { reported: 'online', reportedAt: 100_000, lastSeen: 1_000 },
      100_000 + STALE,
      'online',
    ],
    ['offline and no telemetry since: offline', { reported: 'offline', reportedAt: 2_000, lastSeen: 1_000 }, 10_000_000, 'offline'],
    ['telemetry after offline: online', { reported: 'offline', reportedAt: 1_000, lastSeen: 2_000 }, 2_000, 'online'],
  ];
  it.each(table)('%s', (_name, r, now, expected) => {
    expect(deviceState(record(r), now, STALE)).toBe(expected);
  });
});
