import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRIC_NAME } from '../../../domain/reading.ts';
import {
  deviceIs,
  durationLiteral,
  fieldKey,
  fieldRef,
  metricOf,
  quoteIdent,
  quoteString,
  timeLiteral,
  timeRange,
} from '../../../store/influx/influxql.ts';

/**
 * InfluxQL's own scanner rule for a quoted token (influxql/scanner.go ScanString): returns the
 * text and the rest of the statement, or null where the scanner reports a bad string or escape.
 */
function scanQuoted(input: string): { text: string; rest: string } | null {
  const mark = input[0];
  let text = '';
  for (let i = 1; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === mark) return { text, rest: input.slice(i + 1) };
    if (ch === '\n') return null;
    if (ch === '\\') {
      const next = input[++i];
      if (next === 'n') text += '\n';
      else if (next === '\\' || next === '"' || next === "'") text += next;
      else return null;
    } else text += ch;
  }
  return null;
}

describe('InfluxQL quoting', () => {
  it('escapes quotes, backslashes and newlines', () => {
    expect(quoteIdent('temp.inner')).toBe('"temp.inner"');
    expect(quoteIdent('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString('a\\')).toBe("'a\\\\'");
    expect(quoteString('line\nbreak')).toBe("'line\\nbreak'");
    expect(quoteString('dev.a:b-c_d')).toBe("'dev.a:b-c_d'");
  });

  it('reads back as exactly one token holding the input, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        for (const quoted of [quoteIdent(text), quoteString(text)]) {
          expect(scanQuoted(quoted)).toEqual({ text, rest: '' });
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('keeps an injection attempt inside the string', () => {
    const clause = deviceIs(`x' OR "device"::tag =~ /.*/ OR 'a' = 'a`);
    expect(clause.startsWith(`"device"::tag = '`)).toBe(true);
    const token = scanQuoted(clause.slice(clause.indexOf("'")));
    expect(token).toEqual({ text: `x' OR "device"::tag =~ /.*/ OR 'a' = 'a`, rest: '' });
  });

  it('writes times and durations as whole milliseconds only', () => {
    expect(timeLiteral(1_732_430_000_123)).toBe('1732430000123ms');
    expect(timeRange(1, 2)).toBe('time >= 1ms AND time <= 2ms');
    expect(durationLiteral(604_800_000)).toBe('604800000ms');
    expect(() => timeLiteral(1.5)).toThrow(RangeError);
    expect(() => timeLiteral(-1)).toThrow(RangeError);
    expect(() => timeLiteral(Number.NaN)).toThrow(RangeError);
    expect(() => durationLiteral(0)).toThrow(RangeError);
    expect(() => durationLiteral(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('metric names as InfluxDB fields', () => {
  it('maps `time`, which InfluxDB cannot store as a field, to a key no metric can have', () => {
    expect(fieldKey('time')).toBe('time-');
    expect(metricOf('time-')).toBe('time');
    expect(fieldRef('time')).toBe('"time-"::field');
    expect(fieldRef('device')).toBe('"device"::field');
    expect(METRIC_NAME.test('time-')).toBe(false);
  });

  it('round-trips every legal metric name and never yields `time`', () => {
    fc.assert(
      fc.property(fc.stringMatching(METRIC_NAME), (metric) => {
        expect(metricOf(fieldKey(metric))).toBe(metric);
        expect(fieldKey(metric)).not.toBe('time');
      }),
      { numRuns: 2_000 },
    );
    for (const metric of ['constructor', 'toString', 'hasOwnProperty']) expect(fieldKey(metric)).toBe(metric);
  });
});
