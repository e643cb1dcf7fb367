import { parseDuration } from '../lib/duration.ts';
import { badRequest } from './errors.ts';

/** An ISO-8601 date-time: the date, then a time, then (group 1) the zone if there is one. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Grafana's relative form: now, now-1h, now+5m (no rounding like now/d). */
const GRAFANA_RELATIVE = /^now([+-])(.+)$/;

/**
 * A point in time as the API takes it: epoch ms; ISO-8601 with a zone (`Z` or an offset; a bare
 * date is midnight UTC, as in JavaScript); relative to now, as Vigil writes it ("-1h", "-7d") or
 * as Grafana does ("now-1h", "now-7d", "now+5m"); or "now". Returns null for a missing value so
 * the caller picks the default.
 *
 * A date-time without a zone is refused rather than read in the server's time zone: the same
 * link would mean different instants on different servers (and in the browser that made it).
 */
export function parseTime(name: string, raw: string | undefined, now: number): number | null {
  if (raw === undefined || raw === '') return null;
  const text = raw.trim();
  if (text === 'now') return now;
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const relative = relativeMs(text);
  if (relative !== null) return now + relative;
  const iso = ISO_DATE_TIME.exec(text);
  if (iso) {
    if (iso[1] === undefined) {
      throw badRequest(
        'bad_time',
        `${name} has a date and time but no time zone (got ${JSON.stringify(text.slice(0, 40))}); add a zone, e.g. ${text.slice(0, 19)}Z or ${text.slice(0, 19)}+02:00`,
      );
    }
    const ms = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  } else if (ISO_DATE.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  throw badRequest(
    'bad_time',
    `${name} must be epoch milliseconds, ISO-8601 with a zone, or relative like -1h or now-1h (got ${JSON.stringify(text.slice(0, 40))})`,
  );
}

/** The signed offset from now of "-1h", "now-1h" or "now+5m"; null when text is not one. */
function relativeMs(text: string): number | null {
  if (text.startsWith('-')) {
    const ms = parseDuration(text.slice(1));
    return ms === null ? null : -ms;
  }
  const grafana = GRAFANA_RELATIVE.exec(text);
  if (!grafana) return null;
  const ms = parseDuration(grafana[2]!);
  if (ms === null) return null;
  return grafana[1] === '-' ? -ms : ms;
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
