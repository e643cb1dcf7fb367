/**
 * The device payload contract (SPEC "MQTT: devices to Vigil"). The parser is total: for any bytes
 * it returns either the entries to store or one reason, and never throws.
 */

export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH_ENTRIES = 1000;
export const MAX_FUTURE_MS = 5 * 60_000;

/** Metric names that would collide with Object.prototype machinery anywhere downstream. */
const RESERVED_METRICS = new Set(['__proto__', 'prototype', 'constructor']);

/** One timestamped set of values from one device: the unit that is stored and streamed. */
export interface TelemetryEntry {
  readonly device: string;
  readonly ts: number;
  /** Null-prototype object: metric names are data, never property lookups. */
  readonly values: Readonly<Record<string, number>>;
}

/** One stored point. */
export interface Reading {
  readonly device: string;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
}

export const REJECT_REASONS = [
  'too_large',
  'invalid_utf8',
  'invalid_json',
  'empty',
  'wrong_shape',
  'too_many_entries',
  'bad_device_id',
  'bad_metric_name',
  'bad_value',
  'bad_ts',
  'future_ts',
  'bad_topic',
  'bad_status',
  // Device sources (sources/): a payload with nothing numeric left once strings etc. are skipped.
  'no_values',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly detail: string;
}

export type ParseResult = { readonly ok: true; readonly entries: readonly TelemetryEntry[] } | Rejection;

const reject = (reason: RejectReason, detail: string): Rejection => ({ ok: false, reason, detail });

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isDeviceId(id: string): boolean {
  return DEVICE_ID.test(id);
}

export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name) && !RESERVED_METRICS.has(name);
}

/** Parses a telemetry payload received at `receivedAt` (epoch ms) for `device`. */
export function parseTelemetry(device: string, payload: Uint8Array, receivedAt: number): ParseResult {
  if (!isDeviceId(device))
    return reject('bad_device_id', `device id ${JSON.stringify(device.slice(0, 80))} does not match ${DEVICE_ID.source}`);
  if (payload.byteLength > MAX_PAYLOAD_BYTES)
    return reject('too_large', `payload is ${payload.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`);
  if (payload.byteLength === 0) return reject('empty', 'payload is empty');
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject('invalid_utf8', 'payload is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', `payload is not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  if (Array.isArray(doc)) {
    if (doc.length === 0) return reject('empty', 'batch array is empty');
    if (doc.length > MAX_BATCH_ENTRIES) return reject('too_many_entries', `batch has ${doc.length} entries, limit ${MAX_BATCH_ENTRIES}`);
    const entries: TelemetryEntry[] = [];
    for (let i = 0; i < doc.length; i++) {
      const entry = parseEntry(device, doc[i], receivedAt, `[${i}]`);
      if ('reason' in entry) return entry;
      entries.push(entry);
    }
    return { ok: true, entries };
  }
  const entry = parseEntry(device, doc, receivedAt, '');
  return 'reason' in entry ? entry : { ok: true, entries: [entry] };
}

type EntryResult = TelemetryEntry | Rejection;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(device: string, doc: unknown, receivedAt: number, at: string): EntryResult {
  if (!isPlainObject(doc)) return reject('wrong_shape', `${at || 'payload'} must be an object or an array of objects`);
  const keys = Object.keys(doc);
  const explicit = isPlainObject(doc['values']);
  if (explicit && keys.some((k) => k !== 'ts' && k !== 'values')) {
    return reject('wrong_shape', `${at}explicit form takes only "ts" and "values"`);
  }
  const source = explicit ? (doc['values'] as Record<string, unknown>) : doc;
  const ts = parseTs(doc['ts'], receivedAt, at);
  if (typeof ts !== 'number') return ts;

  const values: Record<string, number> = Object.create(null) as Record<string, number>;
  let count = 0;
  for (const key of Object.keys(source)) {
    if (!explicit && key === 'ts') continue;
    if (!isMetricName(key)) return reject('bad_metric_name', `${at}metric name ${JSON.stringify(key.slice(0, 80))} is not allowed`);
    const raw = source[key];
    let value: number;
    if (typeof raw === 'boolean') value = raw ? 1 : 0;
    else if (typeof raw === 'number' && Number.isFinite(raw)) value = raw;
    else return reject('bad_value', `${at}${key} must be a finite number or a boolean`);
    values[key] = value;
    count++;
  }
  if (count === 0) return reject('empty', `${at || 'payload'} has no values`);
  return { device, ts, values };
}

function parseTs(raw: unknown, receivedAt: number, at: string): number | Rejection {
  if (raw === undefined) return receivedAt;
  let ts: number;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0) return reject('bad_ts', `${at}ts must be whole epoch milliseconds`);
    ts = raw;
  } else if (typeof raw === 'string' && ISO_8601.test(raw) && isRealDate(raw)) {
    ts = Date.parse(raw);
  } else {
    return reject('bad_ts', `${at}ts must be epoch milliseconds or an ISO-8601 string`);
  }
  if (!Number.isFinite(ts) || ts > 8.64e15) return reject('bad_ts', `${at}ts is not a valid time`);
  // Epoch seconds sent where milliseconds belong would land in January 1970 unnoticed.
  if (ts < MIN_TS_MS) return reject('bad_ts', `${at}ts ${ts} is before 1973: epoch seconds instead of milliseconds?`);
  if (ts > receivedAt + MAX_FUTURE_MS) {
    return reject('future_ts', `${at}ts is ${Math.round((ts - receivedAt) / 1000)} s in the future (limit ${MAX_FUTURE_MS / 1000} s)`);
  }
  return ts;
}

/** 1973-03-03: every epoch-seconds value of this century is below it. */
export const MIN_TS_MS = 100_000_000_000;

/** Date.parse rolls impossible dates over (2024-02-30 becomes March 1); refuse them instead. */
function isRealDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Date and time with an explicit zone (Z or ±hh:mm); a zone-less time would be read in the server's zone. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Flattens entries into stored points. */
export function toReadings(entries: readonly TelemetryEntry[]): Reading[] {
  const out: Reading[] = [];
  for (const entry of entries) {
    for (const metric of Object.keys(entry.values)) {
      out.push({ device: entry.device, metric, ts: entry.ts, value: entry.values[metric]! });
    }
  }
  return out;
}

export type DeviceStatus = 'online' | 'offline';

export function parseStatus(payload: Uint8Array): DeviceStatus | null {
  const text = Buffer.from(payload).toString('utf8').trim().toLowerCase();
  return text === 'online' || text === 'offline' ? text : null;
}
