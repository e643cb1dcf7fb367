/**
 * What every decoder shares: bounded text and JSON reading, the flattening of JSON into dotted
 * metric paths (SPEC: numeric leaves, booleans and ON/OFF/true/false as 1/0, other strings, nulls
 * and arrays skipped and counted), and the collector that turns values into a Decoded result.
 * Nothing here throws on any input.
 */
import { MAX_PAYLOAD_BYTES, type RejectReason, type TelemetryEntry } from '../domain/reading.ts';
import { metricNameFor, putMetric } from './identity.ts';
import { inWindow, type TsClock, toEpochMs } from './time.ts';
import type { Decoded, DeviceMeta } from './types.ts';

export type Rejected = Extract<Decoded, { kind: 'rejected' }>;

export function rejected(device: string | null, reason: RejectReason, detail: string): Rejected {
  return { kind: 'rejected', device, reason, detail };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as text, or why not (too large, empty, not UTF-8). */
export function readText(payload: Uint8Array, device: string | null): string | Rejected {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return rejected(device, 'too_large', `payload is ${payload.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`);
  }
  if (payload.byteLength === 0) return rejected(device, 'empty', 'payload is empty');
  try {
    return utf8.decode(payload);
  } catch {
    return rejected(device, 'invalid_utf8', 'payload is not valid UTF-8');
  }
}

/** Wraps a parsed JSON document so `unknown` stays distinguishable from a rejection. */
export interface Json {
  readonly doc: unknown;
}

export function readJson(payload: Uint8Array, device: string | null): Json | Rejected {
  const text = readText(payload, device);
  if (typeof text !== 'string') return text;
  try {
    return { doc: JSON.parse(text) as unknown };
  } catch (err) {
    return rejected(device, 'invalid_json', `payload is not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ON/OFF/true/false in any case: the state words devices publish for switches and contacts. */
export function stateWord(text: string): number | undefined {
  if (text.length < 2 || text.length > 5) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'on' || lower === 'true') return 1;
  if (lower === 'off' || lower === 'false') return 0;
  return undefined;
}

/** A JSON leaf as a number: finite numbers, booleans and state words; undefined means skip. */
export function leafValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return stateWord(value);
  return undefined;
}

const BARE_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A bare payload (`21.5`, `ON`, `true`) as a number, or undefined. */
export function bareValue(text: string): number | undefined {
  const t = text.trim();
  if (t.length === 0 || t.length > 64) return undefined;
  if (BARE_NUMBER.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return stateWord(t);
}

/** Metric paths deeper than this cannot fit a 64-character name anyway. */
const MAX_DEPTH = 24;

export interface FlattenOptions {
  /** Full paths that are not values (a timestamp, a unit field): left out and not counted. */
  readonly ignorePaths?: ReadonlySet<string>;
  /** Keys left out at any depth (Shelly's component `id`). */
  readonly ignoreKeys?: ReadonlySet<string>;
  /** Rewrites one key before it joins the path (Shelly's `switch:0` → `switch_0`). */
  readonly key?: (key: string) => string;
  /** Sees every numeric leaf by its original path; returns false to leave it out (custom include/exclude). */
  readonly accept?: (path: string) => boolean;
  /** Maps an original path to the name to store it under (custom rename); default: sanitized path. */
  readonly rename?: (path: string) => string | undefined;
}

const NO_OPTIONS: FlattenOptions = {};

/** Collects values for one entry and counts what was skipped. */
export interface FlatOut {
  readonly values: Record<string, number>;
  count: number;
  skipped: number;
}

export function newFlatOut(): FlatOut {
  return { values: Object.create(null) as Record<string, number>, count: 0, skipped: 0 };
}

/** Adds one value under its original path, honouring accept/rename. */
export function putValue(out: FlatOut, path: string, value: number, options: FlattenOptions = NO_OPTIONS): void {
  if (options.accept && !options.accept(path)) return;
  const renamed = options.rename?.(path);
  if (renamed !== undefined) {
    // A rename target is a checked metric name; a clash with an earlier path still gets a hash.
    putMetric(out.values, renamed, value);
  } else {
    putMetric(out.values, path, value);
  }
  out.count++;
}

/** Flattens `node` (an object's members) into `out` under `prefix`. */
export function flatten(node: Record<string, unknown>, prefix: string, out: FlatOut, options: FlattenOptions = NO_OPTIONS): void {
  walk(node, prefix, out, options, 0);
}

/**
 * Dotted paths by prefix and raw key, per key rewrite: the same few paths come in every message,
 * so each is built (and hashed, for the name lookups after it) once instead of once per leaf.
 * Bounded by clearing, like the name caches; a path is a pure function of its inputs.
 */
const PATH_CACHE_LIMIT = 4096;
type Rewrite = (key: string) => string;
const NO_REWRITE: Rewrite = (key) => key;
/** rewrite → prefix → raw key → path. Rewrites are module constants (Shelly's), so few. */
const pathCache = new Map<Rewrite, Map<string, Map<string, string>>>();
let cachedPaths = 0;

function childPath(prefix: string, rawKey: string, rewrite: Rewrite = NO_REWRITE): string {
  let byPrefix = pathCache.get(rewrite);
  if (byPrefix === undefined) pathCache.set(rewrite, (byPrefix = new Map()));
  let byKey = byPrefix.get(prefix);
  if (byKey === undefined) byPrefix.set(prefix, (byKey = new Map()));
  let path = byKey.get(rawKey);
  if (path === undefined) {
    const key = rewrite(rawKey);
    path = prefix === '' ? key : `${prefix}.${key}`;
    // Clearing is cruder than LRU but O(1) and bounded; a fleet repeats a few hundred paths.
    if (++cachedPaths > PATH_CACHE_LIMIT) {
      cachedPaths = 1;
      pathCache.clear();
      pathCache.set(rewrite, (byPrefix = new Map()));
      byPrefix.set(prefix, (byKey = new Map()));
    }
    byKey.set(rawKey, path);
  }
  return path;
}

function walk(node: Record<string, unknown>, prefix: string, out: FlatOut, options: FlattenOptions, depth: number): void {
  for (const rawKey in node) {
    if (!Object.hasOwn(node, rawKey)) continue;
    if (options.ignoreKeys?.has(rawKey)) continue;
    const path = childPath(prefix, rawKey, options.key);
    if (options.ignorePaths?.has(path)) continue;
    const value = node[rawKey];
    if (isObject(value)) {
      if (depth >= MAX_DEPTH) out.skipped++;
      else walk(value, path, out, options, depth + 1);
      continue;
    }
    const n = leafValue(value);
    if (n === undefined) out.skipped++;
    else putValue(out, path, n, options);
  }
}

/**
 * Gathers the entries, device metadata and counters of one message. Cheap: a few small arrays
 * per message, nothing kept between messages.
 */
export class Collector {
  readonly entries: TelemetryEntry[] = [];
  readonly meta: DeviceMeta[] = [];
  skipped = 0;
  tsFallbacks = 0;

  constructor(readonly receivedAt: number) {}

  /** The time to store for a raw payload timestamp: it, or the receive time (counted). */
  time(raw: unknown, clock: TsClock): number {
    if (raw === undefined || raw === null) return this.receivedAt;
    const ts = toEpochMs(raw, clock);
    if (inWindow(ts, this.receivedAt)) return ts;
    this.tsFallbacks++;
    return this.receivedAt;
  }

  /** An already converted epoch-ms time, window-checked. */
  checked(ts: number): number {
    if (inWindow(ts, this.receivedAt)) return ts;
    this.tsFallbacks++;
    return this.receivedAt;
  }

  add(device: string, ts: number, out: FlatOut): void {
    this.skipped += out.skipped;
    if (out.count > 0) this.entries.push({ device, ts, values: out.values });
  }

  /**
   * Merges into the entry of the same device and time (line protocol, SenML); a metric given
   * twice for one time keeps the later value, as a database write would.
   */
  merge(device: string, ts: number, path: string, value: number): void {
    const name = metricNameFor(path);
    // An index only once a message has many times (a SenML pack, a line-protocol batch).
    if (this.byTime === null && this.entries.length >= 8) {
      this.byTime = new Map();
      for (const e of this.entries) this.byTime.set(`${e.device}\0${e.ts}`, e.values as Record<string, number>);
    }
    const key = this.byTime === null ? '' : `${device}\0${ts}`;
    let values = this.byTime === null ? this.find(device, ts) : this.byTime.get(key);
    if (values === undefined) {
      values = Object.create(null) as Record<string, number>;
      this.entries.push({ device, ts, values });
      this.byTime?.set(key, values);
    }
    values[name] = value;
  }

  private byTime: Map<string, Record<string, number>> | null = null;

  private find(device: string, ts: number): Record<string, number> | undefined {
    for (const entry of this.entries) if (entry.device === device && entry.ts === ts) return entry.values as Record<string, number>;
    return undefined;
  }

  /** Notes a device's original name (when it differs from the id) and units. */
  describe(device: string, name: string | undefined, units: Readonly<Record<string, string>> | undefined): void {
    const hasUnits = units !== undefined && Object.keys(units).length > 0;
    const hasName = name !== undefined && name !== device;
    if (!hasName && !hasUnits) return;
    this.meta.push({ device, ...(hasName ? { name } : {}), ...(hasUnits ? { units } : {}) });
  }

  result(device: string | null, nothing: string): Decoded {
    if (this.entries.length === 0) return rejected(device, 'no_values', nothing);
    return { kind: 'readings', entries: this.entries, meta: this.meta, skippedFields: this.skipped, tsFallbacks: this.tsFallbacks };
  }
}

/** A path like `a.b.c` read from a document; undefined when any step is missing. */
export function pathGet(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const step of path) {
    if (!isObject(node)) return undefined;
    if (!Object.hasOwn(node, step)) return undefined;
    node = node[step];
  }
  return node;
}
