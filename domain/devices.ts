import type { DeviceStatus } from './reading.ts';

export type DeviceState = 'online' | 'offline' | 'stale';

export interface LatestValue {
  readonly value: number;
  readonly ts: number;
}

/** What the store knows of a device; its shown state is derived with deviceState(). */
export interface DeviceRecord {
  readonly id: string;
  /** The last status the device published on its status topic, if any. */
  readonly reported: DeviceStatus | null;
  readonly reportedAt: number | null;
  /** When ingest last received telemetry from it (receive time, so device clock skew cannot fake liveness). */
  readonly lastSeen: number | null;
  readonly values: Readonly<Record<string, LatestValue>>;
}

/**
 * A device is offline when it said so (status topic or last will) and has sent no telemetry
 * since; stale when it has been silent for staleAfterMs; online otherwise.
 */
export function deviceState(record: DeviceRecord, now: number, staleAfterMs: number): DeviceState {
  const lastSeen = record.lastSeen;
  if (record.reported === 'offline' && (lastSeen === null || (record.reportedAt ?? 0) >= lastSeen)) return 'offline';
  if (lastSeen === null || now - lastSeen > staleAfterMs) return 'stale';
  return 'online';
}

export interface DeviceView {
  readonly id: string;
  readonly status: DeviceState;
  readonly lastSeen: number | null;
  readonly values: DeviceRecord['values'];
}

export function deviceView(record: DeviceRecord, now: number, staleAfterMs: number): DeviceView {
  return { id: record.id, status: deviceState(record, now, staleAfterMs), lastSeen: record.lastSeen, values: record.values };
}
