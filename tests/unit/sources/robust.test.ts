import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceId, isMetricName, MAX_FUTURE_MS, MIN_TS_MS } from '../../../domain/reading.ts';
import { context } from '../../../sources/decoders/context.ts';
import { decodeInflux } from '../../../sources/decoders/influx.ts';
import { decodeJson } from '../../../sources/decoders/json.ts';
import { decodeSenml } from '../../../sources/decoders/senml.ts';
import { decodeTelegraf } from '../../../sources/decoders/telegraf.ts';
import { decodeTtn } from '../../../sources/decoders/ttn.ts';
import { decodeValue } from '../../../sources/decoders/value.ts';
import { buildSources, PRESET_NAMES } from '../../../sources/index.ts';
import type { Decoded, Source } from '../../../sources/types.ts';
import { BAD_PAYLOADS } from './corpus/bad.ts';
import { RECEIVED } from './corpus/helpers.ts';

const enc = new TextEncoder();

/** Whatever came out is something the store may take: valid ids, names, finite values, in-window times. */
function wellFormed(d: Decoded | undefined): void {
  if (d === undefined || d.kind !== 'readings') return;
  expect(d.entries.length).toBeGreaterThan(0);
  for (const e of d.entries) {
    expect(isDeviceId(e.device), e.device).toBe(true);
    expect(e.ts).toBeGreaterThanOrEqual(MIN_TS_MS);
    expect(e.ts).toBeLessThanOrEqual(RECEIVED + MAX_FUTURE_MS);
    expect(Number.isInteger(e.ts)).toBe(true);
    const names = Object.keys(e.values);
    expect(names.length).toBeGreaterThan(0);
    for (const m of names) {
      expect(isMetricName(m), m).toBe(true);
      expect(Number.isFinite(e.values[m])).toBe(true);
    }
  }
  for (const m of d.meta) expect(isDeviceId(m.device)).toBe(true);
}

const ctx = (device: string | null) => context(RECEIVED, device, device, { deviceTag: device === null ? 'host' : null });
const DECODERS: Record<string, (p: Uint8Array) => Decoded> = {
  json: (p) => decodeJson(p, ctx('d1')),
  value: (p) => decodeValue(p, ctx('d1')),
  influx: (p) => decodeInflux(p, ctx(null)),
  telegraf: (p) => decodeTelegraf(p, ctx('d1')),
  senml: (p) => decodeSenml(p, ctx(null)),
  ttn: (p) => decodeTtn(p, ctx('d1')),
};

/** A topic each preset takes, to throw payloads at. */
const PRESET_TOPICS: Record<string, string[]> = {
  tasmota: ['tele/t1/SENSOR', 'tele/t1/STATE', 'tele/t1/LWT'],
  zigbee2mqtt: ['zigbee2mqtt/lamp', 'zigbee2mqtt/a/b/availability', 'zigbee2mqtt/lamp/temperature'],
  telegraf: ['telegraf/h1/cpu'],
  senml: ['senml/s1'],
  ttn: ['v3/app@ttn/devices/d1/up'],
  homeassistant: ['homeassistant/sensor/n1/o1/config', 'homeassistant/device/d/config'],
  shelly: ['sh1/status/switch:0', 'sh1/events/rpc', 'sh1/online', 'shellies/s1/relay/0/power'],
  esphome: ['n1/sensor/t/state', 'n1/binary_sensor/b/state', 'n1/status'],
};

function presetSource(name: string): Source {
  return buildSources({ prefix: 'devices', enabled: [name], custom: [] }).find((s) => s.name === name)!;
}

describe('every decoder and preset is total on arbitrary bytes', () => {
  it('covers every preset', () => expect(Object.keys(PRESET_TOPICS).sort()).toEqual([...PRESET_NAMES].sort()));

  for (const [name, decode] of Object.entries(DECODERS)) {
    it(`decoder ${name}: arbitrary bytes and JSON never throw and never yield junk`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 512 }),
            fc.json().map((j) => enc.encode(j)),
            fc.string().map((s) => enc.encode(s)),
          ),
          (bytes) => {
            wellFormed(decode(bytes));
          },
        ),
        { numRuns: 400 },
      );
    });
    it(`decoder ${name}: the bad corpus is rejected or decoded cleanly`, () => {
      for (const [, payload] of BAD_PAYLOADS) wellFormed(decode(enc.encode(payload)));
      expect(decode(enc.encode(BAD_PAYLOADS.at(-1)![1]))).toMatchObject({ kind: 'rejected', reason: 'too_large' });
    });
  }

  for (const [name, topics] of Object.entries(PRESET_TOPICS)) {
    it(`preset ${name}: arbitrary bytes on its topics never throw and never yield junk`, () => {
      const source = presetSource(name);
      fc.assert(
        fc.property(
          fc.constantFrom(...topics),
          fc.oneof(
            fc.uint8Array({ maxLength: 512 }),
            fc.json().map((j) => enc.encode(j)),
          ),
          fc.boolean(),
          (topic, payload, retain) => {
            wellFormed(source.decode({ topic, payload, retain, receivedAt: RECEIVED }));
          },
        ),
        { numRuns: 300 },
      );
    });
    it(`preset ${name}: the bad corpus`, () => {
      const source = presetSource(name);
      for (const topic of topics)
        for (const [, payload] of BAD_PAYLOADS)
          wellFormed(source.decode({ topic, payload: enc.encode(payload), retain: false, receivedAt: RECEIVED }));
    });
  }

  it('arbitrary topics never throw in any source', () => {
    const sources = buildSources({ prefix: 'devices', enabled: 'all', custom: [] });
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'a',
            '',
            'tele',
            'zigbee2mqtt',
            'status',
            'sensor',
            'state',
            '+',
            '#',
            'v3',
            'up',
            'devices',
            'homeassistant',
            'config',
            'x y',
            '\u00e9',
          ),
          { maxLength: 7 },
        ),
        (levels) => {
          const topic = levels.join('/');
          for (const s of sources) wellFormed(s.decode({ topic, payload: enc.encode('{"t":1}'), retain: false, receivedAt: RECEIVED }));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('specific bad variants give the documented outcome', () => {
    const z2m = presetSource('zigbee2mqtt');
    const at = (payload: string) =>
      z2m.decode({ topic: 'zigbee2mqtt/lamp', payload: enc.encode(payload), retain: false, receivedAt: RECEIVED });
    expect(at('{"temperature": 21.5, "humidity": ')).toMatchObject({ kind: 'rejected', reason: 'invalid_json' });
    expect(at('{"temperature":"21.5","humidity":"high"}')).toMatchObject({ kind: 'rejected', reason: 'no_values' });
    expect(at('{"temperature":1e400,"battery":50}')).toMatchObject({
      kind: 'readings',
      skippedFields: 1,
      entries: [{ values: { battery: 50 } }],
    });
    expect(at(BAD_PAYLOADS[4]![1])).toMatchObject({ kind: 'rejected', reason: 'no_values' });
    expect(at(BAD_PAYLOADS.at(-1)![1])).toMatchObject({ kind: 'rejected', reason: 'too_large' });
    const future = presetSource('tasmota').decode({
      topic: 'tele/t/SENSOR',
      payload: enc.encode('{"Time":"2099-01-01T00:00:00","A":{"T":1}}'),
      retain: false,
      receivedAt: RECEIVED,
    });
    expect(future).toMatchObject({ kind: 'readings', tsFallbacks: 1, entries: [{ ts: RECEIVED }] });
  });

  it('decodes a 64 KiB-class message quickly (a generous bound against hangs, not a benchmark)', () => {
    const fields = Array.from({ length: 2000 }, (_, i) => `"f${i}":${i}.5`).join(',');
    const started = performance.now();
    const d = decodeJson(enc.encode(`{${fields}}`), ctx('d1'));
    expect(d).toMatchObject({ kind: 'readings' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
