/**
 * Every bus decoder against hostile input (issue 14, "Bad input"): each case must be refused
 * with its reason, cheaply, and without throwing; valid values must survive encode then decode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUS, type BusKey } from '../../../bus/index.ts';
import { encodeBatches, MAX_READINGS_BYTES } from '../../../bus/readings.ts';
import { MAX_DEPTH, type BusRejectReason, type Decoded } from '../../../bus/wire.ts';
import type { IngestSnapshot } from '../../../bus/ingest-stats.ts';
import type { SourcesSnapshot } from '../../../bus/sources.ts';
import type { Alert } from '../../../domain/alert.ts';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY = 86_400_000;
const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

const entry = { device: 'sim-001', ts: NOW - 1000, values: { temperature: 21.5, door: 1 } };
const deviceEvent = { device: 'sim-001', status: 'offline', ts: NOW - 5 };
const alert: Alert = {
  id: 'AbCdEfGhIjKlMnOpQrSt',
  ruleId: 'r-0123456789',
  device: 'sim-001',
  metric: 'temperature',
  severity: 'critical',
  state: 'firing',
  acknowledged: false,
  value: 31,
  threshold: 30,
  startedAt: NOW - 60_000,
  resolvedAt: null,
  ackedAt: null,
  ackNote: null,
  message: 'hot: sim-001 temperature 31 above 30',
};
const rejected = { ts: NOW, topic: 'devices/sim-001/telemetry', device: 'sim-001', reason: 'invalid_json', payload: '{"t": nope' };
const snapshot: IngestSnapshot = {
  instance: 'ingest-1',
  at: NOW - 200,
  received: 10,
  accepted: 9,
  points: 18,
  rejected: { invalid_json: 1 },
  ignoredRetained: 0,
  storeErrors: 0,
  unacked: 0,
  forwardDropped: 0,
  writeLatency: { bounds: [0.001, 0.01], counts: [5, 3, 1], sum: 0.02, count: 9 },
  alertLeader: true,
  webhook: { delivered: 1, failures: 2, dropped: 0, rejected: 0, queued: 0 },
  store: {
    unackedReadings: 0,
    spooledRows: 0,
    readingsWritten: 18,
    droppedOutsideRetention: 0,
    droppedByBackend: 0,
    writeErrors: { partial: 0, transient: 1, timeout: 0, permanent: 0, too_large: 0, no_database: 0 },
    writeLatency: { count: 9, sumMs: 3.5, maxMs: 1.2 },
    blockedBy: null,
  },
  busRejected: { 'vigil/events/readings': { wrong_shape: 2 } },
};

const unmatchedTopic = {
  topic: 'tele/plug-1/SENSOR',
  count: 3,
  firstSeen: NOW - 9_000,
  lastSeen: NOW - 100,
  payload: '{"Power":3}',
  suggested: 'tasmota',
};
const sourceCounts = { matched: 5, points: 9, skippedFields: 1, tsFallbacks: 0, ignored: 1, rejected: { bad_value: 1 } };
const sources: SourcesSnapshot = {
  instance: 'ingest-1',
  at: NOW - 200,
  duplicateConsumer: false,
  sources: [{ name: 'vigil', kind: 'native', topics: ['devices/+/telemetry', 'devices/+/status'], counters: sourceCounts }],
  unmatched: [unmatchedTopic],
};
const withSource = (patch: Record<string, unknown>) => ({ ...sources, sources: [{ ...sources.sources[0], ...patch }] });
const withUnmatched = (patch: Record<string, unknown>) => ({ ...sources, unmatched: [{ ...unmatchedTopic, ...patch }] });

/** A valid example of each kind, and how to put a hostile value into its timestamp or a field. */
const valid: { [K in BusKey]: { value: unknown; withTs: (ts: unknown) => unknown; withField: (k: string, v: unknown) => unknown } } = {
  readings: { value: [entry], withTs: (ts) => [{ ...entry, ts }], withField: (k, v) => [{ ...entry, [k]: v }] },
  device: { value: deviceEvent, withTs: (ts) => ({ ...deviceEvent, ts }), withField: (k, v) => ({ ...deviceEvent, [k]: v }) },
  alert: { value: alert, withTs: (ts) => ({ ...alert, startedAt: ts }), withField: (k, v) => ({ ...alert, [k]: v }) },
  rejected: { value: rejected, withTs: (ts) => ({ ...rejected, ts }), withField: (k, v) => ({ ...rejected, [k]: v }) },
  stats: { value: snapshot, withTs: (ts) => ({ ...snapshot, at: ts }), withField: (k, v) => ({ ...snapshot, [k]: v }) },
  sources: { value: sources, withTs: (ts) => ({ ...sources, at: ts }), withField: (k, v) => ({ ...sources, [k]: v }) },
  rulesChanged: { value: { at: NOW - 10 }, withTs: (ts) => ({ at: ts }), withField: (k, v) => ({ at: NOW, [k]: v }) },
};

/** `[` x n then `]` x n: deep nesting that fits the kind's byte limit. */
function nested(depth: number): Buffer {
  return Buffer.concat([Buffer.alloc(depth, '['), Buffer.alloc(depth, ']')]);
}

/** `[0,0,...,0]` with n elements, built without an n-element JS array. */
function hugeArray(n: number): Buffer {
  return Buffer.concat([Buffer.from('['), Buffer.alloc(2 * n - 1, '0,'), Buffer.from(']')]);
}

const FIVE_MILLION = hugeArray(5_000_000);
const ONE_MIB = Buffer.concat([Buffer.from('["'), Buffer.alloc(1024 * 1024 - 4, 'a'), Buffer.from('"]')]);

type Case = readonly [name: string, payload: Buffer, reason: BusRejectReason];

/** Cases every kind must refuse, with the reason each gives. */
function commonCases(key: BusKey): Case[] {
  const v = valid[key];
  const depth = Math.min(10_000, Math.floor(BUS[key].maxBytes / 2) - 1);
  return [
    ['null', enc('null'), 'wrong_shape'],
    ['[null]', enc('[null]'), 'wrong_shape'],
    ['a number', enc('42'), 'wrong_shape'],
    ['a string', enc('"vigil"'), 'wrong_shape'],
    ['true', enc('true'), 'wrong_shape'],
    ['empty payload', Buffer.alloc(0), 'invalid_json'],
    ['bare NaN', enc('NaN'), 'invalid_json'],
    ['truncated JSON', enc('{"a":'), 'invalid_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'invalid_utf8'],
    ['ts as the string "NaN"', enc(v.withTs('NaN')), 'bad_ts'],
    ['ts as the string "Infinity"', enc(v.withTs('Infinity')), 'bad_ts'],
    ['ts 1e999 (parses to Infinity)', enc(JSON.stringify(v.withTs(1)).replace(/"(ts|at|startedAt)":1\b/, '"$1":1e999')), 'bad_ts'],
    ['ts as an ISO string', enc(v.withTs(new Date(NOW).toISOString())), 'bad_ts'],
    ['fractional ts', enc(v.withTs(NOW + 0.5)), 'bad_ts'],
    ['ts 9e15 (beyond any Date)', enc(v.withTs(9e15)), 'bad_ts'],
    ['ts a day ahead', enc(v.withTs(NOW + DAY)), 'future_ts'],
    ['ts 7 minutes ahead', enc(v.withTs(NOW + 7 * 60_000)), 'future_ts'],
    ['ts 0', enc(v.withTs(0)), 'bad_ts'],
    ['ts negative', enc(v.withTs(-9e15)), 'bad_ts'],
    ['ts in epoch seconds', enc(v.withTs(Math.floor(NOW / 1000))), 'bad_ts'],
    ['ts missing', enc(v.withTs(undefined)), 'bad_ts'],
    ['1 MiB payload', ONE_MIB, 'too_large'],
    ['5,000,000-element array', FIVE_MILLION, 'too_large'],
    [`nested ${depth} deep`, nested(depth), 'too_deep'],
    [`nested ${MAX_DEPTH + 1} deep`, nested(MAX_DEPTH + 1), 'too_deep'],
    [
      'deep object inside a valid value',
      enc(v.withField('extra', JSON.parse(`${'{"a":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}`))),
      'too_deep',
    ],
  ];
}

const specific: { [K in BusKey]: Case[] } = {
  readings: [
    ['an object instead of a batch', enc(entry), 'wrong_shape'],
    ['an unknown event kind', enc({ kind: 'alert', ...alert }), 'wrong_shape'],
    ['an empty batch', enc([]), 'empty'],
    ['1001 entries', enc(Array.from({ length: 1001 }, () => entry)), 'too_many_entries'],
    ['[valid, null]', enc([entry, null]), 'wrong_shape'],
    ['device as a number', enc([{ ...entry, device: 7 }]), 'bad_device_id'],
    ['device id with a slash', enc([{ ...entry, device: 'a/b' }]), 'bad_device_id'],
    ['device id of 65 characters', enc([{ ...entry, device: 'a'.repeat(65) }]), 'bad_device_id'],
    ['values missing', enc([{ device: 'd', ts: NOW }]), 'wrong_shape'],
    ['values as an array', enc([{ ...entry, values: [1, 2] }]), 'wrong_shape'],
    ['no values', enc([{ ...entry, values: {} }]), 'empty'],
    ['value as the string "NaN"', enc([{ ...entry, values: { t: 'NaN' } }]), 'bad_value'],
    ['value as the string "Infinity"', enc([{ ...entry, values: { t: 'Infinity' } }]), 'bad_value'],
    ['value 1e999 (parses to Infinity)', enc('[{"device":"d","ts":' + NOW + ',"values":{"t":1e999}}]'), 'bad_value'],
    ['value null', enc([{ ...entry, values: { t: null } }]), 'bad_value'],
    ['value a boolean', enc([{ ...entry, values: { t: true } }]), 'bad_value'],
    ['metric __proto__', enc('[{"device":"d","ts":' + NOW + ',"values":{"__proto__":1}}]'), 'bad_metric_name'],
    ['metric with a space', enc([{ ...entry, values: { 'a b': 1 } }]), 'bad_metric_name'],
    ['metric with a label injection', enc([{ ...entry, values: { 't"} 1\nfake 1': 1 } }]), 'bad_metric_name'],
    ['a future entry behind a valid one', enc([entry, { ...entry, ts: 9e15 }]), 'bad_ts'],
  ],
  device: [
    ['an unknown status', enc({ ...deviceEvent, status: 'exploded' }), 'unknown_kind'],
    ['status stale (derived, never sent)', enc({ ...deviceEvent, status: 'stale' }), 'unknown_kind'],
    ['status as a number', enc({ ...deviceEvent, status: 1 }), 'unknown_kind'],
    ['a bad device id', enc({ ...deviceEvent, device: '../etc' }), 'bad_device_id'],
    ['an array', enc([deviceEvent]), 'wrong_shape'],
  ],
  alert: [
    ['an unknown state', enc({ ...alert, state: 'pending' }), 'unknown_kind'],
    ['an unknown severity', enc({ ...alert, severity: 'fatal' }), 'unknown_kind'],
    ['an ack without the alert (no rule id)', enc({ id: 'ack-check', acknowledged: true }), 'bad_id'],
    ['a bad id', enc({ ...alert, id: 'a b' }), 'bad_id'],
    ['a bad rule id', enc({ ...alert, ruleId: '' }), 'bad_id'],
    ['a bad device id', enc({ ...alert, device: 'x y' }), 'bad_device_id'],
    ['a bad metric', enc({ ...alert, metric: 'constructor' }), 'bad_metric_name'],
    ['value "NaN"', enc({ ...alert, value: 'NaN' }), 'bad_value'],
    ['threshold ["Infinity", 1]', enc({ ...alert, threshold: ['Infinity', 1] }), 'wrong_shape'],
    ['acknowledged as a string', enc({ ...alert, acknowledged: 'yes' }), 'wrong_shape'],
    ['ackedAt far ahead', enc({ ...alert, ackedAt: NOW + DAY }), 'future_ts'],
    ['resolvedAt 9e15', enc({ ...alert, resolvedAt: 9e15 }), 'bad_ts'],
    ['a 2000-character message', enc({ ...alert, message: 'm'.repeat(2000) }), 'too_long'],
  ],
  rejected: [
    ['an unknown reason', enc({ ...rejected, reason: 'because' }), 'unknown_kind'],
    ['payload over 1 KiB', enc({ ...rejected, payload: 'p'.repeat(1025) }), 'too_long'],
    ['topic over 512 characters', enc({ ...rejected, topic: 't'.repeat(513) }), 'too_long'],
    ['payload as an object', enc({ ...rejected, payload: { a: 1 } }), 'wrong_shape'],
    ['device as a number', enc({ ...rejected, device: 5 }), 'wrong_shape'],
  ],
  stats: [
    ['writeLatency {}', enc({ ...snapshot, writeLatency: {} }), 'wrong_shape'],
    [
      'writeLatency counts not matching bounds',
      enc({ ...snapshot, writeLatency: { ...snapshot.writeLatency, counts: [1] } }),
      'wrong_shape',
    ],
    [
      'writeLatency bounds descending',
      enc({ ...snapshot, writeLatency: { ...snapshot.writeLatency, bounds: [0.01, 0.001] } }),
      'wrong_shape',
    ],
    [
      'writeLatency bound injecting a line',
      enc({ ...snapshot, writeLatency: { ...snapshot.writeLatency, bounds: ['1"} 9\nvigil_fake 1', 2] } }),
      'wrong_shape',
    ],
    ['received injecting a line', enc({ ...snapshot, received: '1\nvigil_fake_total 999' }), 'wrong_shape'],
    ['received "NaN"', enc({ ...snapshot, received: 'NaN' }), 'wrong_shape'],
    ['received 1e999', enc(JSON.stringify(snapshot).replace('"received":10', '"received":1e999')), 'wrong_shape'],
    ['a negative counter', enc({ ...snapshot, accepted: -1 }), 'wrong_shape'],
    ['an unknown reject reason label', enc({ ...snapshot, rejected: { 'x"} 1\nvigil_fake 1': 1 } }), 'unknown_kind'],
    ['an unknown write error class', enc({ ...snapshot, store: { ...snapshot.store, writeErrors: { evil: 1 } } }), 'unknown_kind'],
    ['an unknown bus topic label', enc({ ...snapshot, busRejected: { 'vigil/other': { wrong_shape: 1 } } }), 'unknown_kind'],
    ['an unknown bus reason label', enc({ ...snapshot, busRejected: { 'vigil/events/readings': { made_up: 1 } } }), 'unknown_kind'],
    ['store missing', enc({ ...snapshot, store: undefined }), 'wrong_shape'],
    ['webhook as null', enc({ ...snapshot, webhook: null }), 'wrong_shape'],
    ['an unknown instance name with label text', enc({ ...snapshot, instance: 'x"} 1\nvigil_fake 1' }), 'bad_instance'],
    ['an empty instance', enc({ ...snapshot, instance: '' }), 'bad_instance'],
    ['an instance of 41 characters', enc({ ...snapshot, instance: 'i'.repeat(41) }), 'bad_instance'],
    ['an instance with non-ASCII letters', enc({ ...snapshot, instance: 'ingést' }), 'bad_instance'],
    ['an instance as a number', enc({ ...snapshot, instance: 1 }), 'bad_instance'],
    [
      '40 histogram bounds',
      enc({
        ...snapshot,
        writeLatency: { bounds: Array.from({ length: 40 }, (_, i) => i + 1), counts: Array(41).fill(0), sum: 0, count: 0 },
      }),
      'too_many_entries',
    ],
    ['blockedBy of 600 characters', enc({ ...snapshot, store: { ...snapshot.store, blockedBy: 'b'.repeat(600) } }), 'too_long'],
  ],
  sources: [
    ['a source name with label text', enc(withSource({ name: 'x"} 1\nvigil_fake 1' })), 'unknown_kind'],
    ['a source name of 33 characters', enc(withSource({ name: 'a'.repeat(33) })), 'unknown_kind'],
    ['an unknown source kind', enc(withSource({ kind: 'plugin' })), 'unknown_kind'],
    ['an unknown reject reason', enc(withSource({ counters: { ...sourceCounts, rejected: { made_up: 1 } } })), 'unknown_kind'],
    ['a negative counter', enc(withSource({ counters: { ...sourceCounts, points: -1 } })), 'wrong_shape'],
    [
      '65 sources',
      enc({ ...sources, sources: Array.from({ length: 65 }, (_, i) => ({ ...sources.sources[0], name: `s${i}` })) }),
      'too_many_entries',
    ],
    ['9 topics for one source', enc(withSource({ topics: Array.from({ length: 9 }, (_, i) => `t/${i}`) })), 'too_many_entries'],
    [
      '201 unmatched topics',
      enc({ ...sources, unmatched: Array.from({ length: 201 }, () => ({ ...unmatchedTopic, payload: '' })) }),
      'too_many_entries',
    ],
    ['an unmatched payload over 1 KiB', enc(withUnmatched({ payload: 'p'.repeat(1025) })), 'too_long'],
    ['an unmatched topic over 512 characters', enc(withUnmatched({ topic: 't'.repeat(513) })), 'too_long'],
    ['an unmatched lastSeen a day ahead', enc(withUnmatched({ lastSeen: NOW + DAY })), 'future_ts'],
    ['a suggested preset with label text', enc(withUnmatched({ suggested: 'a"b' })), 'unknown_kind'],
    ['duplicateConsumer as a string', enc({ ...sources, duplicateConsumer: 'yes' }), 'wrong_shape'],
    ['an instance with label text', enc({ ...sources, instance: 'x"} 1' }), 'bad_instance'],
  ],
  rulesChanged: [
    ['an empty object', enc({}), 'bad_ts'],
    ['an array', enc([{ at: NOW }]), 'wrong_shape'],
  ],
};

const keys = Object.keys(BUS) as BusKey[];

describe.each(keys)('bus decoder %s', (key) => {
  const kind = BUS[key];

  it.each([...commonCases(key), ...specific[key]])('refuses %s', (_name, payload, reason) => {
    const started = performance.now();
    const result = kind.decode(payload, NOW);
    expect(result.ok ? 'accepted' : result.reason).toBe(reason);
    // Oversize and deep payloads are refused before parsing, so even 10 MB costs nothing.
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('round-trips a valid value (encode then decode)', () => {
    const value = valid[key].value;
    const result = kind.decode(Buffer.from(kind.encode(value as never)), NOW);
    expect(result).toEqual({ ok: true, value });
  });

  it('drops unknown fields instead of passing them on', () => {
    const result = kind.decode(enc(valid[key].withField('injected', 'x')), NOW);
    expect(result.ok).toBe(true);
    if (result.ok) expect(JSON.stringify(result.value)).not.toContain('injected');
  });

  it('accepts a ts at the edge ingest accepts (5 min ahead)', () => {
    expect(kind.decode(enc(valid[key].withTs(NOW + 5 * 60_000)), NOW).ok).toBe(true);
  });

  it('never throws, whatever the bytes or JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }),
          fc.json().map((t) => Buffer.from(t)),
        ),
        (bytes) => {
          const result: Decoded<unknown> = kind.decode(bytes, NOW);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('readings', () => {
  it('gives null-prototype values, so metric names are never property lookups', () => {
    const result = BUS.readings.decode(enc([entry]), NOW);
    expect(result.ok && Object.getPrototypeOf(result.value[0]!.values)).toBe(null);
  });

  it('splits batches by entries and bytes so each decodes', () => {
    const wide = {
      device: 'sim-wide',
      ts: NOW,
      values: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`metric_${i}`, i * 1.5])),
    };
    const entries = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? wide : { ...entry, ts: NOW - i }));
    const { payloads, dropped } = encodeBatches(entries, 500);
    expect(dropped).toBe(0);
    expect(payloads.length).toBeGreaterThan(2);
    let total = 0;
    for (const payload of payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_READINGS_BYTES);
      const decoded = BUS.readings.decode(Buffer.from(payload), NOW);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) total += decoded.value.length;
    }
    expect(total).toBe(600);
  });

  it('sends nothing for no entries', () => {
    expect(encodeBatches([])).toEqual({ payloads: [], dropped: 0 });
  });
});

describe('rejected', () => {
  it('cuts what it encodes to what it decodes', () => {
    const long = { ...rejected, topic: `devices/${'x'.repeat(2000)}/telemetry`, device: 'x'.repeat(2000) };
    const result = BUS.rejected.decode(Buffer.from(BUS.rejected.encode(long)), NOW);
    expect(result.ok).toBe(true);
    if (result.ok) expect([result.value.topic.length, result.value.device?.length]).toEqual([512, 128]);
  });
});

describe('stats', () => {
  it('takes a snapshot from an ingest without busRejected (older version) as zero rejections', () => {
    const { busRejected: _drop, ...older } = snapshot;
    const result = BUS.stats.decode(enc(older), NOW);
    expect(result.ok && result.value.busRejected).toEqual({});
  });
});
