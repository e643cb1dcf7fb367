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

function parseIso(text: string, zone: string): number {
  const m = ISO.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  const local = Date.UTC(y, mo - 1, d, h, mi, s) + Math.floor(frac * 1000);
  // Date.UTC rolls 2024-02-30 over into March; an impossible date is not a time.
  const check = new Date(local);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return Number.NaN;
  const z = m[8];
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
  const first = local - offsetAt(f, local);
  const second = local - offsetAt(f, first);
  return second;
}

/** Accepts `ts` if it lies in the window, else the receive time; `fallback` says which happened. */
export function inWindow(ts: number, receivedAt: number): boolean {
  return Number.isFinite(ts) && ts >= MIN_TS_MS && ts <= receivedAt + MAX_FUTURE_MS;
}
