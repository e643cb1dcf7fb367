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
 * since; stale when neither telemetry nor an `online` arrived for staleAfterMs; online otherwise.
 */
export function deviceState(record: DeviceRecord, now: number, staleAfterMs: number): DeviceState {
  const lastSeen = record.lastSeen;
  if (record.reported === 'offline' && (lastSeen === null || (record.reportedAt ?? 0) >= lastSeen)) return 'offline';
  // Staleness counts from the later of the last telemetry and the last `online` (SPEC), so a
  // device that has just announced itself is not stale before it had a chance to report.
  const onlineAt = record.reported === 'online' ? record.reportedAt : null;
  const lastSign = Math.max(lastSeen ?? -Infinity, onlineAt ?? -Infinity);
  if (lastSign === -Infinity || now - lastSign > staleAfterMs) return 'stale';
  return 'online';
}

/**
 * What a device source learned about a device beside its readings: its original name and the
 * units of its metrics. Ingest hands it to the device registry, where operator values win.
 */
export interface DeviceMeta {
  readonly device: string;
  /** The original, unsanitized name (topic segment, friendly name, discovery `name`). */
  readonly name?: string;
  readonly units?: Readonly<Record<string, string>>;
}

/** Where ingest puts discovered names and units (the registry implements it). */
export interface DeviceMetaSink {
  /** Cheap when nothing changed: called for every message that carries meta. */
  noteDiscovered(meta: DeviceMeta): void;
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
