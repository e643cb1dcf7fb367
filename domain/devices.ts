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

/**
 * A device's registry entry as shown (store/registry.ts): the operator's values over the
 * discovered ones (name per field, units per metric); labels are the operator's only.
 */
export interface DeviceRegistryEntry {
  readonly name: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly units: Readonly<Record<string, string>>;
}

export const EMPTY_REGISTRY_ENTRY: DeviceRegistryEntry = Object.freeze({ name: null, labels: Object.freeze({}), units: Object.freeze({}) });

/** False for an entry with nothing in it (every value cleared). */
export function hasRegistryContent(entry: DeviceRegistryEntry | undefined): entry is DeviceRegistryEntry {
  return entry !== undefined && (entry.name !== null || Object.keys(entry.labels).length > 0 || Object.keys(entry.units).length > 0);
}

/** Registry limits (PUT /api/devices/:id validates them; discovered values outside them are dropped). */
export const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Keys that would reach an object's prototype when copied by assignment: never label keys. */
const RESERVED_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

export function isLabelKey(key: string): boolean {
  return LABEL_KEY.test(key) && !RESERVED_KEYS.has(key);
}
export const MAX_LABELS = 32;
export const MAX_LABEL_VALUE = 256;
export const MAX_UNIT = 32;
export const MAX_UNITS = 256;
export const MAX_DEVICE_NAME = 256;

export interface DeviceView extends DeviceRegistryEntry {
  readonly id: string;
  readonly status: DeviceState;
  readonly lastSeen: number | null;
  readonly values: DeviceRecord['values'];
}

/** A device the store has never heard of (pre-registered in the registry): no status, no values. */
export function unseenDevice(id: string): DeviceRecord {
  return { id, reported: null, reportedAt: null, lastSeen: null, values: {} };
}

export function deviceView(
  record: DeviceRecord,
  now: number,
  staleAfterMs: number,
  entry: DeviceRegistryEntry = EMPTY_REGISTRY_ENTRY,
): DeviceView {
  return {
    id: record.id,
    name: entry.name,
    labels: entry.labels,
    units: entry.units,
    status: deviceState(record, now, staleAfterMs),
    lastSeen: record.lastSeen,
    values: record.values,
  };
}

/**
 * The `q` of GET /api/devices: a case-insensitive substring of the id, the name, a label key or
 * value, or a metric name (of a latest value or a unit). `needle` must already be lower case.
 */
export function deviceMatches(view: DeviceView, needle: string): boolean {
  if (needle === '') return true;
  const has = (text: string) => text.toLowerCase().includes(needle);
  if (has(view.id) || (view.name !== null && has(view.name))) return true;
  for (const [key, value] of Object.entries(view.labels)) if (has(key) || has(value)) return true;
  for (const metric of Object.keys(view.values)) if (has(metric)) return true;
  for (const metric of Object.keys(view.units)) if (has(metric)) return true;
  return false;
}
