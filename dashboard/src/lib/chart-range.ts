import { DEFAULT_RANGE, RANGES, setRange } from './routes.ts';

/**
 * What a chart shows: the last `ms` up to now (sliding, live), or a fixed window `from`..`to`
 * (a custom range, a zoom, an alert link). `key` is how the range is written in the URL.
 */
export type ChartRange =
  | { readonly kind: 'last'; readonly key: string; readonly ms: number }
  | { readonly kind: 'fixed'; readonly from: number; readonly to: number };

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Longest typed range: a year of history is already far more than a chart shows. */
const MAX_LAST_MS = 366 * UNIT_MS.d;

/** "90m", "3h", "2d" (and the preset keys) as ms; null for anything else. */
export function parseLast(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*(\d{1,6})\s*(m|h|d)\s*$/i.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS];
  return ms > 0 && ms <= MAX_LAST_MS ? ms : null;
}

/** A point in a URL: epoch ms (what alert links carry) or ISO-8601 with a zone. */
export function parseInstant(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const t = text.trim();
  if (/^\d{1,16}$/.test(t)) return Number(t);
  // A date-time without a zone would mean different instants in different browsers: refused.
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** `?from=&to=` wins when both are valid and ordered; then `?range=`; then the default. */
export function parseChartRange(query: URLSearchParams): ChartRange {
  const from = parseInstant(query.get('from'));
  const to = parseInstant(query.get('to'));
  if (from !== null && to !== null && to > from) return { kind: 'fixed', from, to };
  const key = query.get('range')?.trim().toLowerCase() ?? null;
  const ms = parseLast(key);
  if (key !== null && ms !== null) return { kind: 'last', key, ms };
  return { kind: 'last', key: DEFAULT_RANGE, ms: RANGES[DEFAULT_RANGE] };
}

/** The window a range covers at `now`. */
export function rangeWindow(range: ChartRange, now: number): { from: number; to: number } {
  return range.kind === 'fixed' ? { from: range.from, to: range.to } : { from: now - range.ms, to: now };
}

export function rangeSpan(range: ChartRange): number {
  return range.kind === 'fixed' ? range.to - range.from : range.ms;
}

/** The API's from/to for a range: relative for a sliding one, ISO-8601 in UTC for a fixed one. */
export function apiTimes(range: ChartRange): { from: string; to: string } {
  if (range.kind === 'last') return { from: `-${range.key}`, to: 'now' };
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
}

/** The same URL with this range (and no other range parameters). */
export function withRange(path: string, query: URLSearchParams, range: ChartRange): string {
  const q = new URLSearchParams(query);
  q.delete('from');
  q.delete('to');
  q.delete('range');
  setRange(q, range);
  const text = q.toString().replace(/%2C/g, ',');
  return `${path}${text ? `?${text}` : ''}`;
}

/** Twice the span around the same middle, never past now: the "zoom out" step. */
export function zoomedOut(range: ChartRange, now: number): ChartRange {
  const { from, to } = rangeWindow(range, now);
  const span = to - from;
  const end = Math.min(now, to + span / 2);
  return { kind: 'fixed', from: end - 2 * span, to: end };
}

/** For `<input type="datetime-local">`: the wall-clock time in the browser's zone (or UTC), to the minute. */
export function toLocalInput(ts: number, utc = false): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (utc) return d.toISOString().slice(0, 16);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value read in the browser's zone (or UTC); null when empty or invalid. */
export function fromLocalInput(value: string, utc = false): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = new Date(utc ? `${value}Z` : value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

function sameRange(a: ChartRange, b: ChartRange): boolean {
  if (a.kind === 'last' && b.kind === 'last') return a.key === b.key;
  return a.kind === 'fixed' && b.kind === 'fixed' && a.from === b.from && a.to === b.to;
}

/**
 * parseChartRange that hands back the same object while the range is unchanged, so a derived
 * range does not restart history when only another query parameter (the metrics) changed.
 */
export function rangeMemo(): (query: URLSearchParams) => ChartRange {
  let last: ChartRange | null = null;
  return (query) => {
    const next = parseChartRange(query);
    if (last === null || !sameRange(last, next)) last = next;
    return last;
  };
}
