/**
 * Timestamps from foreign payloads (SPEC "Device sources"): epoch numbers in a given unit or
 * ISO-8601 strings; a time without a zone is read in the source's zone (IANA name, default UTC)
 * through Intl, so no time-zone database ships with Vigil. A time outside the accepted window
 * (before MIN_TS_MS or more than MAX_FUTURE_MS ahead) or one that does not parse is replaced by the
 * receive time and counted: a device with a wrong clock still charts, and the counter says so.
 */
import { MAX_FUTURE_MS, MIN_TS_MS } from '../domain/reading.ts';

/** `auto` reads a number by its size (s, ms, µs or ns since 1970) and a string as ISO-8601. */
export type TsUnit = 'ms' | 's' | 'us' | 'ns' | 'iso' | 'auto';
export const TS_UNITS: readonly TsUnit[] = ['ms', 's', 'us', 'ns', 'iso', 'auto'];

export interface TsClock {
  readonly unit: TsUnit;
  /** IANA zone for zone-less ISO times; `UTC` when unset. */
  readonly zone: string;
}

export const UTC_AUTO: TsClock = { unit: 'auto', zone: 'UTC' };

/** Whether Intl knows the zone (checked once, when a source is configured). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const SCALE: Record<Exclude<TsUnit, 'iso' | 'auto'>, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

function numberToMs(n: number, unit: TsUnit): number {
  if (unit === 's' || unit === 'ms' || unit === 'us' || unit === 'ns') return n * SCALE[unit];
  const abs = Math.abs(n);
  if (abs < 1e11) return n * 1000;
  if (abs < 1e14) return n;
  if (abs < 1e17) return n / 1000;
  return n / 1e6;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Epoch ms for a raw timestamp, or NaN when it is not one. Not window-checked. */
export function toEpochMs(raw: unknown, clock: TsClock): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.round(numberToMs(raw, clock.unit)) : Number.NaN;
  if (typeof raw !== 'string' || raw.length > 64) return Number.NaN;
  if (NUMERIC.test(raw)) return digitsToMs(raw, clock.unit);
  return parseIso(raw, clock.zone);
}

/**
 * A decimal string to epoch ms without going through a float first, so a 19-digit nanosecond
 * stamp (line protocol) keeps its millisecond.
 */
export function digitsToMs(digits: string, unit: TsUnit): number {
  const negative = digits.startsWith('-');
  const int = (negative ? digits.slice(1) : digits).split('.')[0]!;
  let resolved = unit;
  if (unit === 'auto' || unit === 'iso') {
    const n = Number(digits);
    resolved = Math.abs(n) < 1e11 ? 's' : Math.abs(n) < 1e14 ? 'ms' : Math.abs(n) < 1e17 ? 'us' : 'ns';
  }
  if (resolved === 'ns' || resolved === 'us') {
    const cut = resolved === 'ns' ? 6 : 3;
    const ms = int.length > cut ? Number(int.slice(0, -cut)) : 0;
    return negative ? -ms : ms;
  }
  return Math.round(numberToMs(Number(digits), resolved));
}

/** Fixed expression (never built from input), linear: one optional group per field. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function digitsAt(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * The shape devices send nearly always (`2024-05-01T12:00:00`, then an optional `.fff…` and `Z`)
 * read without the expression; null for anything else, which ISO then reads. Same checks, same
 * result: it only skips the regular expression's allocations on every message.
 */
function parseCommonIso(text: string, zone: string): number | null {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return null;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  let end = 19;
  let fracDigits = '';
  if (end < n && text.charCodeAt(end) === 46) {
    let i = end + 1;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === end + 1 || i - end - 1 > 9) return null;
    fracDigits = text.slice(end + 1, i);
    end = i;
  }
  const utc = end === n - 1 && text.charCodeAt(end) === 90;
  if (!utc && end !== n) return null;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const h = digitsAt(text, 11, 2);
  const mi = digitsAt(text, 14, 2);
  const s = digitsAt(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return null;
  const frac = fracDigits === '' ? 0 : Number(`0.${fracDigits}`);
  return isoParts(y, mo, d, h, mi, s, frac, utc ? 'Z' : undefined, zone);
}

function parseIso(text: string, zone: string): number {
  const common = parseCommonIso(text, zone);
  if (common !== null) return common;
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  return isoParts(y, mo, d, h, mi, s, frac, m[8], zone);
}

function isoParts(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  frac: number,
  z: string | undefined,
  zone: string,
): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  const local = Date.UTC(y, mo - 1, d, h, mi, s) + Math.floor(frac * 1000);
  // Date.UTC rolls 2024-02-30 over into March; an impossible date is not a time.
  const check = new Date(local);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return Number.NaN;
  if (z === undefined) return zone === 'UTC' ? local : localToUtc(local, zone);
  if (z === 'Z' || z === 'z') return local;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const offset = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
  return local - sign * offset * 60_000;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat | null {
  let f = formats.get(zone);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  if (formats.size > 64) formats.clear();
  formats.set(zone, f);
  return f;
}

/** The zone's offset from UTC at instant `utc`, in ms (positive east of Greenwich). */
function offsetAt(f: Intl.DateTimeFormat, utc: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(utc)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p['year']!, p['month']! - 1, p['day'], p['hour'], p['minute'], p['second']);
  return asUtc - (utc - (utc % 1000));
}

/**
 * The instant whose wall-clock time in `zone` is `local` (ms, read as if UTC). Two passes settle
 * the offset across a DST change; a time in the spring-forward gap lands one hour later, as most
 * clocks do.
 */
export function localToUtc(local: number, zone: string): number {
  const f = formatFor(zone);
  if (!f) return Number.NaN;
  const first = local - cachedOffsetAt(f, zone, local);
  const second = local - cachedOffsetAt(f, zone, first);
  return second;
}

const HOUR_MS = 3_600_000;
/** Offsets by zone and UTC hour: formatToParts costs microseconds, and a fleet's times share hours. */
const offsets = new Map<string, number>();

/**
 * offsetAt, remembered per UTC hour, but only for an hour whose first and last second have the
 * same offset: no zone changes its offset twice within an hour, so that offset holds for all of
 * it, and an hour with a change in it (Newfoundland's fall at :30 UTC) is always computed exactly.
 */
function cachedOffsetAt(f: Intl.DateTimeFormat, zone: string, utc: number): number {
  const hour = Math.floor(utc / HOUR_MS);
  const key = `${zone}\0${hour}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const start = offsetAt(f, hour * HOUR_MS);
  const last = offsetAt(f, hour * HOUR_MS + HOUR_MS - 1_000);
  if (start !== last) return offsetAt(f, utc);
  if (offsets.size >= 4_096) offsets.clear();
  offsets.set(key, start);
  return start;
}

/** Accepts `ts` if it lies in the window, else the receive time; `fallback` says which happened. */
export function inWindow(ts: number, receivedAt: number): boolean {
  return Number.isFinite(ts) && ts >= MIN_TS_MS && ts <= receivedAt + MAX_FUTURE_MS;
}
