import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_ENTRIES,
  MIN_TS_MS,
  MAX_FUTURE_MS,
  MAX_PAYLOAD_BYTES,
  parseStatus,
  parseTelemetry,
  REJECT_REASONS,
  toReadings,
  type ParseResult,
  type RejectReason,
} from '../../../domain/reading.ts';

const NOW = Date.UTC(2024, 10, 24, 6, 33, 20, 123);
const bytes = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown) => bytes(JSON.stringify(value));
const parse = (payload: Uint8Array | string, device = 'sim-001') =>
  parseTelemetry(device, typeof payload === 'string' ? bytes(payload) : payload, NOW);

function accepted(result: ParseResult) {
  if (!result.ok) throw new Error(`expected acceptance, got ${result.reason}: ${result.detail}`);
  return result.entries.map((e) => ({ device: e.device, ts: e.ts, values: { ...e.values } }));
}

/** Every way a payload can break the contract, with the one reason it must be rejected for. */
const REJECTIONS: [RejectReason, string, Uint8Array | string, string?][] = [
  ['bad_device_id', 'device id with a space', '{"a":1}', 'bad id'],
  ['bad_device_id', 'device id starting with a dash', '{"a":1}', '-dev'],
  ['bad_device_id', 'device id of 65 chars', '{"a":1}', 'd'.repeat(65)],
  ['bad_device_id', 'empty device id', '{"a":1}', ''],
  ['too_large', 'one byte over 64 KiB', `{"a":1}${' '.repeat(MAX_PAYLOAD_BYTES - 6)}`],
  ['empty', 'zero bytes', new Uint8Array(0)],
  ['empty', 'empty batch', '[]'],
  ['empty', 'object without values', '{}'],
  ['empty', 'only a ts', '{"ts":1732430000000}'],
  ['empty', 'explicit form with no values', '{"ts":1732430000000,"values":{}}'],
  ['empty', 'batch entry without values', '[{"a":1},{}]'],
  ['invalid_utf8', 'a lone 0xff byte', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
  ['invalid_utf8', 'a truncated multi-byte sequence', new Uint8Array([0x7b, 0x7d, 0xe2, 0x82])],
  ['invalid_json', 'truncated JSON', '{"a":'],
  ['invalid_json', 'NaN literal', '{"a":NaN}'],
  ['invalid_json', 'plain text', 'online'],
  ['wrong_shape', 'a number', '21.5'],
  ['wrong_shape', 'a string', '"21.5"'],
  ['wrong_shape', 'null', 'null'],
  ['wrong_shape', 'a batch of numbers', '[1,2]'],
  ['wrong_shape', 'a nested batch', '[[{"a":1}]]'],
  ['wrong_shape', 'explicit form with an extra key', '{"values":{"a":1},"unit":"C"}'],
  ['too_many_entries', '1001 entries', JSON.stringify(Array.from({ length: MAX_BATCH_ENTRIES + 1 }, () => ({ a: 1 })))],
  ['bad_metric_name', 'starts with a digit', '{"9a":1}'],
  ['bad_metric_name', 'has a dash', '{"temp-c":1}'],
  ['bad_metric_name', 'has a space', '{"temp c":1}'],
  ['bad_metric_name', 'empty name', '{"":1}'],
  ['bad_metric_name', '65 chars', `{"${'m'.repeat(65)}":1}`],
  ['bad_metric_name', '__proto__', '{"__proto__":1}'],
  ['bad_metric_name', 'constructor', '{"constructor":1}'],
  ['bad_metric_name', 'prototype inside values', '{"values":{"prototype":1}}'],
  ['bad_value', 'a numeric string', '{"a":"21.5"}'],
  ['bad_value', 'null', '{"a":null}'],
  ['bad_value', 'an array', '{"a":[1]}'],
  ['bad_value', 'an object', '{"a":{"b":1}}'],
  ['bad_value', 'overflow to Infinity', '{"a":1e999}'],
  ['bad_value', 'bad value in the second batch entry', '[{"a":1},{"a":"x"}]'],
  ['bad_ts', 'fractional ms', '{"ts":1732430000000.5,"a":1}'],
  ['bad_ts', 'negative', '{"ts":-1,"a":1}'],
  ['bad_ts', 'beyond the Date range', '{"ts":8640000000000001,"a":1}'],
  ['bad_ts', 'numeric string', '{"ts":"1732430000000","a":1}'],
  ['bad_ts', 'ISO without a zone', '{"ts":"2024-11-24T06:33:20","a":1}'],
  ['bad_ts', 'date only', '{"ts":"2024-11-24","a":1}'],
  ['bad_ts', 'ISO with month 13', '{"ts":"2024-13-01T00:00:00Z","a":1}'],
  ['bad_ts', 'free text', '{"ts":"yesterday","a":1}'],
  ['bad_ts', 'epoch seconds instead of ms', '{"ts":1732430000,"a":1}'],
  ['bad_ts', 'impossible date (Feb 30)', '{"ts":"2024-02-30T00:00:00Z","a":1}'],
  ['bad_ts', 'null', '{"ts":null,"a":1}'],
  ['bad_ts', 'boolean', '{"ts":true,"a":1}'],
  ['bad_ts', 'explicit form', '{"ts":"later","values":{"a":1}}'],
  ['future_ts', '5 min + 1 ms ahead', `{"ts":${NOW + MAX_FUTURE_MS + 1},"a":1}`],
  ['future_ts', 'an hour ahead, ISO', `{"ts":"${new Date(NOW + 3_600_000).toISOString()}","a":1}`],
  ['future_ts', 'in one batch entry', `[{"a":1},{"ts":${NOW + 86_400_000},"a":2}]`],
];

/** Reasons that belong to topics and status payloads, not to parseTelemetry. */
const NOT_FROM_TELEMETRY: readonly RejectReason[] = ['bad_topic', 'bad_status', 'no_values'];

describe('parseTelemetry rejections', () => {
  it.each(REJECTIONS)('%s: %s', (reason, _label, payload, device) => {
    const result = parse(payload, device);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('covers every reason parseTelemetry can give', () => {
    const covered = new Set(REJECTIONS.map(([reason]) => reason));
    expect([...covered].sort()).toEqual(REJECT_REASONS.filter((r) => !NOT_FROM_TELEMETRY.includes(r)).sort());
  });
});

describe('parseTelemetry accepted forms', () => {
  it('flat form without ts takes the receive time', () => {
    expect(accepted(parse('{"temperature": 21.5, "humidity": 40.2}'))).toEqual([
      { device: 'sim-001', ts: NOW, values: { temperature: 21.5, humidity: 40.2 } },
    ]);
  });

  it('flat form with ts in epoch ms', () => {
    expect(accepted(parse('{"ts": 1732430000123, "temperature": -3}'))).toEqual([
      { device: 'sim-001', ts: 1_732_430_000_123, values: { temperature: -3 } },
    ]);
  });

  it.each([
    ['2024-11-24T06:33:20.123Z', NOW],
    ['2024-11-24T07:33:20.123+01:00', NOW],
    ['2024-11-24T01:33:20.123-0500', NOW],
    ['2024-11-24T06:33Z', Date.UTC(2024, 10, 24, 6, 33)],
    ['2024-11-24T06:33:20.123456789Z', NOW],
  ])('ts as ISO-8601 %j', (iso, ts) => {
    expect(accepted(parse(`{"ts": "${iso}", "a": 1}`))[0]?.ts).toBe(ts);
  });

  it('explicit form, with and without ts', () => {
    expect(accepted(parse('{"ts": 1732430000123, "values": {"temperature": 21.5}}'))).toEqual([
      { device: 'sim-001', ts: 1_732_430_000_123, values: { temperature: 21.5 } },
    ]);
    expect(accepted(parse('{"values": {"temperature": 21.5}}'))).toEqual([{ device: 'sim-001', ts: NOW, values: { temperature: 21.5 } }]);
  });

  it('batch of mixed flat and explicit entries, order kept', () => {
    const payload = '[{"ts": 1000000000000, "a": 1}, {"ts": "2001-09-09T01:46:41Z", "values": {"a": 2, "b.c_d": 3}}, {"a": 4}]';
    expect(accepted(parse(payload))).toEqual([
      { device: 'sim-001', ts: 1_000_000_000_000, values: { a: 1 } },
      { device: 'sim-001', ts: 1_000_000_001_000, values: { a: 2, 'b.c_d': 3 } },
      { device: 'sim-001', ts: NOW, values: { a: 4 } },
    ]);
  });

  it('stores true/false as 1/0', () => {
    expect(accepted(parse('{"door_open": true, "alarm": false}'))[0]?.values).toEqual({ door_open: 1, alarm: 0 });
  });

  it('accepts exactly 64 KiB and exactly 1000 entries', () => {
    const padded = `{"a":1}${' '.repeat(MAX_PAYLOAD_BYTES - 7)}`;
    expect(bytes(padded).byteLength).toBe(MAX_PAYLOAD_BYTES);
    expect(accepted(parse(padded))).toHaveLength(1);
    const batch = json(Array.from({ length: MAX_BATCH_ENTRIES }, (_, i) => ({ ts: 1_700_000_000_000 + i, v: i })));
    expect(accepted(parseTelemetry('sim-001', batch, NOW))).toHaveLength(MAX_BATCH_ENTRIES);
  });

  it('accepts a ts exactly 5 minutes ahead and any past ts', () => {
    expect(accepted(parse(`{"ts": ${NOW + MAX_FUTURE_MS}, "a": 1}`))[0]?.ts).toBe(NOW + MAX_FUTURE_MS);
    expect(accepted(parse('{"ts": "1999-12-31T23:59:59Z", "a": 1}'))[0]?.ts).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
  });

  it('accepts a metric name of the full 64 characters', () => {
    const metric = `m${'_'.repeat(63)}`;
    expect(accepted(parse(`{"${metric}": 1}`))[0]?.values).toEqual({ [metric]: 1 });
  });

  it('gives values a null prototype so metric names stay data', () => {
    const result = parse('{"toString": 1, "hasOwnProperty": 2}');
    expect(result.ok).toBe(true);
    if (result.ok) {
      const values = result.entries[0]?.values ?? {};
      expect(Object.getPrototypeOf(values)).toBeNull();
      expect({ ...values }).toEqual({ toString: 1, hasOwnProperty: 2 });
    }
  });
});

describe('prototype pollution', () => {
  it.each([
    '{"__proto__": {"polluted": 1}}',
    '{"values": {"__proto__": {"polluted": 1}}}',
    '{"constructor": {"prototype": {"polluted": 1}}}',
    '[{"a": 1}, {"__proto__": {"polluted": 1}}]',
    '{"ts": 1, "values": {"constructor": 1}}',
  ])('%s is rejected and leaves Object.prototype alone', (payload) => {
    const result = parse(payload);
    expect(result.ok).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

function expectWellFormed(result: ParseResult): void {
  if (result.ok) {
    expect(result.entries.length).toBeGreaterThan(0);
    expect(result.entries.length).toBeLessThanOrEqual(MAX_BATCH_ENTRIES);
    for (const entry of result.entries) {
      expect(Number.isInteger(entry.ts)).toBe(true);
      expect(entry.ts).toBeLessThanOrEqual(NOW + MAX_FUTURE_MS);
      const values = Object.values(entry.values);
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) expect(Number.isFinite(value)).toBe(true);
    }
  } else {
    expect(REJECT_REASONS).toContain(result.reason);
    expect(NOT_FROM_TELEMETRY).not.toContain(result.reason);
  }
}

describe('parseTelemetry is total', () => {
  it('returns entries or a known reason for any bytes, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), fc.uint8Array({ maxLength: 4_096 }), (device, payload) => {
        expectWellFormed(parseTelemetry(device, payload, NOW));
      }),
      { numRuns: 500 },
    );
  });

  it('returns entries or a known reason for any JSON value, never throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expectWellFormed(parseTelemetry('sim-001', json(value), NOW));
      }),
      { numRuns: 1_000 },
    );
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('accepts any well-formed flat reading and returns its values unchanged', () => {
    const metric = fc
      .stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/)
      .filter((m) => !['ts', '__proto__', 'prototype', 'constructor', 'values'].includes(m));
    const value = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.dictionary(metric, value, { minKeys: 1, maxKeys: 20 }), fc.integer({ min: MIN_TS_MS, max: NOW }), (values, ts) => {
        const result = parseTelemetry('sim-001', json({ ...values, ts }), NOW);
        // JSON turns -0 into 0; compare what a device would actually have sent.
        expect(accepted(result)).toEqual([{ device: 'sim-001', ts, values: JSON.parse(JSON.stringify(values)) }]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('toReadings', () => {
  it('flattens entries into one reading per metric', () => {
    const result = parse('[{"ts": 1700000001000, "a": 1, "b": 2}, {"ts": 1700000002000, "values": {"a": 3}}]', 'dev-1');
    if (!result.ok) throw new Error(result.reason);
    expect(toReadings(result.entries)).toEqual([
      { device: 'dev-1', metric: 'a', ts: 1_700_000_001_000, value: 1 },
      { device: 'dev-1', metric: 'b', ts: 1_700_000_001_000, value: 2 },
      { device: 'dev-1', metric: 'a', ts: 1_700_000_002_000, value: 3 },
    ]);
  });
});

describe('parseStatus', () => {
  it.each([
    ['online', 'online'],
    ['offline', 'offline'],
    [' Online\n', 'online'],
    ['OFFLINE', 'offline'],
    ['', null],
    ['on line', null],
    ['{"status":"online"}', null],
  ])('%j is %s', (payload, status) => {
    expect(parseStatus(bytes(payload))).toBe(status);
  });
});
