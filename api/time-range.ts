import { parseDuration } from '../lib/duration.ts';
import { badRequest } from './errors.ts';

/**
 * A point in time as the API takes it: epoch ms, ISO-8601, relative to now ("-1h", "-7d"),
 * or "now". Returns null for a missing value so the caller picks the default.
 */
export function parseTime(name: string, raw: string | undefined, now: number): number | null {
  if (raw === undefined || raw === '') return null;
  const text = raw.trim();
  if (text === 'now') return now;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  if (text.startsWith('-')) {
    const ms = parseDuration(text.slice(1));
    if (ms !== null) return now - ms;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw badRequest(
    'bad_time',
    `${name} must be epoch milliseconds, ISO-8601 or relative like -1h (got ${JSON.stringify(text.slice(0, 40))})`,
  );
}

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

export function parseRange(query: { from?: string; to?: string }, now: number, defaultSpanMs: number): TimeRange {
  const to = parseTime('to', query.to, now) ?? now;
  const from = parseTime('from', query.from, now) ?? to - defaultSpanMs;
  if (from > to) throw badRequest('bad_range', 'from must not be after to');
  return { from, to };
}
