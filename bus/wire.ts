/**
 * The one way a message on a Vigil topic is read: bounded in bytes and nesting before it is
 * parsed, parsed as UTF-8 JSON, validated by the kind's zod schema (device ids and metric names
 * by the domain's rules), its timestamps checked against the window ingest accepts. The result
 * is a value or one reason; decoding never throws, whatever the bytes.
 */
import { z } from 'zod';
import { MAX_FUTURE_MS, MIN_TS_MS } from '../domain/reading.ts';
import type { VigilTopic } from './topics.ts';

export const BUS_REJECT_REASONS = [
  /** More bytes than the kind allows (checked before anything is parsed). */
  'too_large',
  /** JSON nested deeper than MAX_DEPTH (checked on the bytes, before parsing). */
  'too_deep',
  'invalid_utf8',
  'invalid_json',
  /** Not the kind's shape: a wrong type, a missing field, NaN/Infinity, a negative counter. */
  'wrong_shape',
  /** An empty batch or an entry without values. */
  'empty',
  'too_many_entries',
  /** A string longer than its field allows. */
  'too_long',
  'bad_device_id',
  'bad_metric_name',
  /** A reading value or alert value that is not a finite number. */
  'bad_value',
  /** An alert or rule id outside its alphabet. */
  'bad_id',
  /** A timestamp that is not whole epoch ms, or before MIN_TS_MS (1973). */
  'bad_ts',
  /** A timestamp more than MAX_FUTURE_MS (+ BUS_CLOCK_SKEW_MS) ahead of the consumer's clock. */
  'future_ts',
  /** A value outside its enumeration: device status, alert state or severity, reject reason, counter label. */
  'unknown_kind',
  /** A stats snapshot whose instance is not a valid INSTANCE_ID. */
  'bad_instance',
  /** A stats snapshot from a new instance while the API already tracks as many as it keeps (api/metrics.ts). */
  'too_many_instances',
] as const;
export type BusRejectReason = (typeof BUS_REJECT_REASONS)[number];

export interface BusRejection {
  readonly ok: false;
  readonly reason: BusRejectReason;
  /** For the (rate-limited) log; never shown to browsers. */
  readonly detail: string;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | BusRejection;

/** Every Vigil message nests at most three levels (a snapshot's store.writeErrors); eight leaves room to grow. */
export const MAX_DEPTH = 8;

/**
 * Ingest judges "the future" by its own clock; a consumer on another host judges again by its
 * own. A minute of skew between hosts is allowed on top of ingest's MAX_FUTURE_MS, so a reading
 * ingest accepted at its limit is not dropped by an API whose clock is a little behind.
 */
export const BUS_CLOCK_SKEW_MS = 60_000;

/**
 * A timestamp ingest could have produced: whole epoch ms from MIN_TS_MS (1973-03-03, the floor
 * ingest's parser applies) up to the largest valid Date. The upper bound against the clock is
 * checked after the schema (`latestTs`), since it depends on now.
 */
export const tsSchema = z
  .number({ error: 'bad_ts' })
  .int({ error: 'bad_ts' })
  .min(MIN_TS_MS, { error: 'bad_ts' })
  .max(8.64e15, { error: 'bad_ts' });

/** A counter or gauge from another process: finite and not negative. */
export const countSchema = z.number().nonnegative();

export function boundedString(max: number) {
  return z.string().max(max, { error: 'too_long' });
}

/** A record whose keys must come from `allowed`; anything else is unknown_kind (and never a label). */
export function keyedRecord<V extends z.ZodType>(allowed: readonly string[], value: V) {
  const keys = new Set(allowed);
  return z.record(
    z.string().refine((k) => keys.has(k), { error: 'unknown_kind' }),
    value,
  );
}

/** What each kind declares; bus/kinds.ts lists them by topic. */
export interface BusKind<T> {
  readonly topic: VigilTopic;
  readonly qos: 0 | 1;
  readonly maxBytes: number;
  encode(value: T): string;
  decode(payload: Uint8Array, now?: number): Decoded<T>;
}

export interface KindSpec<S extends z.ZodType, T> {
  readonly topic: VigilTopic;
  readonly qos: 0 | 1;
  readonly maxBytes: number;
  readonly schema: S;
  /** The newest timestamp in the value, checked against now + MAX_FUTURE_MS + BUS_CLOCK_SKEW_MS. */
  readonly latestTs: (value: z.output<S>) => number;
  /** Turns the parsed value into the domain value (null-prototype records, filled defaults). */
  readonly build: (value: z.output<S>) => T;
  /** What goes on the wire for a value (defaults to JSON.stringify). */
  readonly encode?: (value: T) => string;
}

export function defineKind<S extends z.ZodType, T>(spec: KindSpec<S, T>): BusKind<T> {
  return {
    topic: spec.topic,
    qos: spec.qos,
    maxBytes: spec.maxBytes,
    encode: spec.encode ?? ((value) => JSON.stringify(value)),
    decode(payload, now = Date.now()) {
      const doc = parseBounded(payload, spec.maxBytes);
      if (!doc.ok) return doc;
      const parsed = spec.schema.safeParse(doc.value);
      if (!parsed.success) return fromIssues(parsed.error.issues);
      const latest = spec.latestTs(parsed.data);
      const limit = now + MAX_FUTURE_MS + BUS_CLOCK_SKEW_MS;
      if (latest > limit)
        return reject(
          'future_ts',
          `ts ${latest} is ${Math.round((latest - now) / 1000)} s ahead (limit ${(MAX_FUTURE_MS + BUS_CLOCK_SKEW_MS) / 1000} s)`,
        );
      return { ok: true, value: spec.build(parsed.data) };
    },
  };
}

export const reject = (reason: BusRejectReason, detail: string): BusRejection => ({ ok: false, reason, detail });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes, nesting, UTF-8 and JSON, in that order, so nothing unbounded reaches JSON.parse. */
export function parseBounded(payload: Uint8Array, maxBytes: number): Decoded<unknown> {
  if (payload.byteLength > maxBytes) return reject('too_large', `${payload.byteLength} bytes, limit ${maxBytes}`);
  if (payload.byteLength === 0) return reject('invalid_json', 'empty payload');
  const depth = nestingDepth(payload, MAX_DEPTH);
  if (depth > MAX_DEPTH) return reject('too_deep', `nested deeper than ${MAX_DEPTH}`);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject('invalid_utf8', 'not valid UTF-8');
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return reject('invalid_json', (err as Error).message.slice(0, 120));
  }
}

/**
 * The deepest [ / { nesting outside strings, stopping as soon as it passes `stopAbove`. Works on
 * bytes: in UTF-8 no byte of a multi-byte character equals an ASCII bracket, quote or backslash.
 */
export function nestingDepth(bytes: Uint8Array, stopAbove: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return max;
}

const REASONS = new Set<string>(BUS_REJECT_REASONS);

type Issue = z.core.$ZodIssue;

/** The first issue names the reason: our checks say it in their message; anything else is a wrong shape. */
function fromIssues(issues: readonly Issue[]): BusRejection {
  const issue = issues[0];
  if (!issue) return reject('wrong_shape', 'schema refused the message');
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  const reason = reasonOf(issue);
  return reject(reason, `${where}: ${reason === 'wrong_shape' ? issue.message : reason}`.slice(0, 200));
}

function reasonOf(issue: Issue): BusRejectReason {
  if (REASONS.has(issue.message)) return issue.message as BusRejectReason;
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    const inner = issue.issues[0];
    if (inner) return reasonOf(inner);
  }
  return 'wrong_shape';
}
