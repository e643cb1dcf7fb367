/**
 * Building InfluxQL from values that came from devices (ids, metric names) without letting them
 * change the statement: every identifier and string goes through quoteIdent / quoteString, and
 * every number through an integer check. Nothing else in the InfluxDB store concatenates input
 * into a query.
 *
 * InfluxQL's scanner reads quoted identifiers ("...") and strings ('...') the same way: a
 * backslash escapes the quote, another backslash or `n` (a newline); a raw newline ends the
 * statement with "bad string", so it is written as \n.
 */

export const MEASUREMENT = 'telemetry';
/** Device status and liveness: fields `status` (string) and `seen` (integer), tag `device`. */
export const DEVICES_MEASUREMENT = 'devices';
export const DEVICE_TAG = 'device';

/**
 * Metric names the payload contract allows but InfluxDB cannot store as a field: 1.x silently
 * drops a field named `time` (3.x refuses it). Mapped to a key with `-`, which no metric name can
 * contain, so the mapping cannot collide with another metric.
 */
const FIELD_FOR_METRIC: Readonly<Record<string, string>> = { time: 'time-' };
const METRIC_FOR_FIELD: Readonly<Record<string, string>> = { 'time-': 'time' };

export function fieldKey(metric: string): string {
  return Object.hasOwn(FIELD_FOR_METRIC, metric) ? FIELD_FOR_METRIC[metric]! : metric;
}

export function metricOf(field: string): string {
  return Object.hasOwn(METRIC_FOR_FIELD, field) ? METRIC_FOR_FIELD[field]! : field;
}

function quote(text: string, mark: '"' | "'"): string {
  let out = mark;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === mark) out += `\\${mark}`;
    else if (ch === '\n') out += '\\n';
    else out += ch;
  }
  return out + mark;
}

/** A double-quoted identifier: database, measurement, field or tag key. */
export function quoteIdent(name: string): string {
  return quote(name, '"');
}

/** A single-quoted string literal: tag values in WHERE. */
export function quoteString(value: string): string {
  return quote(value, "'");
}

function wholeMs(ms: number, what: string): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`${what} must be whole milliseconds, got ${ms}`);
  return `${ms}ms`;
}

/** An absolute time in a WHERE clause (InfluxQL reads an integer duration there as since the epoch). */
export function timeLiteral(epochMs: number): string {
  if (epochMs < 0) throw new RangeError(`time must not be before the epoch, got ${epochMs}`);
  return wholeMs(epochMs, 'time');
}

/** A duration: GROUP BY time(), retention policies. */
export function durationLiteral(ms: number): string {
  if (ms <= 0) throw new RangeError(`duration must be positive, got ${ms}`);
  return wholeMs(ms, 'duration');
}

/** A metric's field, cast so that a metric named like the `device` tag still means the field. */
export function fieldRef(metric: string): string {
  return `${quoteIdent(fieldKey(metric))}::field`;
}

export const DEVICE_TAG_REF = `${quoteIdent(DEVICE_TAG)}::tag`;

export function deviceIs(device: string): string {
  return `${DEVICE_TAG_REF} = ${quoteString(device)}`;
}

/** `time >= from AND time <= to`, inclusive like the SQLite store's ranges. */
export function timeRange(from: number, to: number): string {
  return `time >= ${timeLiteral(from)} AND time <= ${timeLiteral(to)}`;
}

/**
 * One-minute rollups that Vigil writes itself (rollups.ts): tag `device`, per metric the fields
 * `<field>.n`, `.sum`, `.lo`, `.hi`. The four suffixes end in different letters and none is a
 * suffix of another, so the fields of two metrics can never collide.
 */
export const ROLLUP_MEASUREMENT = 'telemetry_1m';
/** Which minutes the rollups hold: fields `since` and `until` (epoch ms), newest point wins. */
export const ROLLUP_META_MEASUREMENT = 'vigil_rollups';

export type RollupPart = 'n' | 'sum' | 'lo' | 'hi';

export function rollupField(metric: string, part: RollupPart): string {
  return `${fieldKey(metric)}.${part}`;
}

/** A rollup field in a SELECT, cast to a field like fieldRef. */
export function rollupRef(metric: string, part: RollupPart): string {
  return `${quoteIdent(rollupField(metric, part))}::field`;
}
