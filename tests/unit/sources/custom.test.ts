import { describe, expect, it } from 'vitest';
import { customSource, parseSourcesFile } from '../../../sources/custom.ts';
import { buildSources, decodeWith, suggestPreset, tryBuildSources } from '../../../sources/index.ts';
import { SourceRouter } from '../../../sources/router.ts';
import { RECEIVED } from './corpus/helpers.ts';

const enc = new TextEncoder();

const JSON_FILE = JSON.stringify({
  sources: [
    {
      name: 'site',
      topic: 'site/{device}/env',
      format: 'json',
      ts: { path: 'meta.time', unit: 'iso', zone: 'Europe/Berlin' },
      status: { topic: 'site/{device}/lwt', online: '1', offline: '0' },
      exclude: ['debug.*'],
      rename: { 'temp-c': 'temperature' },
      units: { temperature: '°C' },
    },
    { name: 'boiler', topic: 'plant/{device}/{metric}', format: 'value' },
    { name: 'lines', topic: 'lp/{device}', format: 'influx', ts: { unit: 's' } },
  ],
});

const YAML_FILE = `
- name: site
  topic: site/{device}/env
  format: json
  ts: { path: meta.time, unit: iso, zone: Europe/Berlin }
  status: { topic: "site/{device}/lwt", online: "1", offline: "0" }
  exclude: ["debug.*"]
  rename: { temp-c: temperature }
  units: { temperature: °C }
- name: boiler
  topic: plant/{device}/{metric}
  format: value
- name: lines
  topic: lp/{device}
  format: influx
  ts: { unit: s }
`;

describe('SOURCES_FILE', () => {
  it('accepts {"sources":[...]} in JSON and a bare array in YAML, with the same result', () => {
    const a = parseSourcesFile(JSON_FILE, 'sources.json');
    const b = parseSourcesFile(YAML_FILE, 'sources.yaml');
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.sources).toEqual(a.sources);
    expect(a.sources[0]!.status).toEqual({ topic: 'site/{device}/lwt', online: '1', offline: '0' });
  });

  it('names every mistake on its own line, with the source and the field', () => {
    const bad = JSON.stringify([
      { name: 'tasmota', topic: 'x/{device}', format: 'json' },
      { name: 'ok-1', topic: 'a/{dev}', format: 'xml', colour: 'red' },
      { name: 'Bad Name', topic: 'a/{device}', format: 'value', ts: { zone: 'Mars/Base', path: 'x' }, rename: { a: '1bad' } },
      { name: 'dup', topic: 'b/{device}', format: 'json' },
      { name: 'dup', topic: 'c/{device}/#/x', format: 'json' },
      { name: 'nodev', topic: 'd/x', format: 'json', status: { topic: 'd/lwt' } },
    ]);
    const r = parseSourcesFile(bad, 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'bad.json: source 1 ("tasmota"): name: "tasmota" is a built-in source; pick another',
      'bad.json: source 2 ("ok-1"): format: Invalid option: expected one of "json"|"value"|"influx"|"telegraf"|"senml"',
      'bad.json: source 2 ("ok-1"): unknown field "colour"',
      'bad.json: source 3 ("Bad Name"): name: must be lowercase letters, digits, - or _, starting with a letter (at most 32)',
      'bad.json: source 3 ("Bad Name"): ts.zone: is not a time zone this Node knows (an IANA name like Europe/Berlin)',
      'bad.json: source 3 ("Bad Name"): rename.a: must be a metric name (^[A-Za-z_][A-Za-z0-9_.]{0,63}$)',
      'bad.json: source 5 ("dup"): name: "dup" is used by an earlier source',
      'bad.json: source 5 ("dup"): topic: `#` may only be the last level',
      'bad.json: source 6 ("nodev"): topic: needs a {device} placeholder (json and value name the device by the topic)',
      'bad.json: source 6 ("nodev"): status.topic: needs a {device} placeholder',
    ]);
  });

  it('reports unparseable files and wrong top-level shapes without throwing', () => {
    expect(parseSourcesFile('{"sources": [', 'x.json')).toMatchObject({ ok: false });
    expect(parseSourcesFile('- name: [unclosed', 'x.yml')).toMatchObject({ ok: false });
    expect(parseSourcesFile('{"nope": 1}', 'x.json')).toEqual({
      ok: false,
      errors: ['x.json: must be an array of sources or {"sources": [...]}'],
    });
    expect(parseSourcesFile('a: &a [*a]', 'x.yaml')).toMatchObject({ ok: false });
  });

  it('decodes with ts path and zone, rename, exclude, units and a status topic', () => {
    const parsed = parseSourcesFile(JSON_FILE, 'sources.json');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const [site, boiler, lines] = parsed.sources.map(customSource) as [
      ReturnType<typeof customSource>,
      ReturnType<typeof customSource>,
      ReturnType<typeof customSource>,
    ];
    expect(site.filters).toEqual(['site/+/env', 'site/+/lwt']);
    const payload = '{"temp-c":21.5,"hum":40,"debug":{"heap":1000},"meta":{"time":"2024-07-15T12:00:00"}}';
    expect(decodeWith(site, 'site/pump 1/env', payload, { receivedAt: RECEIVED })).toEqual({
      kind: 'readings',
      entries: [{ device: 'pump_1-ff2ad760', ts: Date.UTC(2024, 6, 15, 10), values: { temperature: 21.5, hum: 40 } }],
      meta: [{ device: 'pump_1-ff2ad760', name: 'pump 1', units: { temperature: '°C' } }],
      skippedFields: 0,
      tsFallbacks: 0,
    });
    expect(decodeWith(site, 'site/p1/lwt', '0')).toEqual({ kind: 'status', device: 'p1', status: 'offline', meta: [] });
    expect(decodeWith(site, 'site/p1/lwt', 'maybe')).toMatchObject({ kind: 'rejected', reason: 'bad_status' });
    expect(decodeWith(site, 'elsewhere/p1/env', payload)).toBeUndefined();
    expect(decodeWith(boiler, 'plant/b1/flow_temp', '61.5', { receivedAt: RECEIVED })).toMatchObject({
      entries: [{ device: 'b1', ts: RECEIVED, values: { flow_temp: 61.5 } }],
    });
    expect(decodeWith(lines, 'lp/gw', 'env,host=ignored t=1 1700000000', { receivedAt: RECEIVED })).toMatchObject({
      entries: [{ device: 'gw', ts: 1700000000000, values: { 'env.t': 1 } }],
    });
  });
});

describe('SOURCES_FILE topic guards', () => {
  it("refuses a pattern that covers every topic or Vigil's own, allows one that starts with the device", () => {
    const file = (topic: string) => JSON.stringify([{ name: 'x', topic, format: 'json' }]);
    expect(parseSourcesFile(file('{device+}'), 'f.json')).toEqual({
      ok: false,
      errors: ['f.json: source 1 ("x"): topic: may not cover every topic or Vigil\'s own vigil/ topics'],
    });
    expect(parseSourcesFile(file('vigil/{device}'), 'f.json')).toMatchObject({ ok: false });
    expect(parseSourcesFile(file('{device}/env'), 'f.json')).toMatchObject({ ok: true });
  });

  it('a custom senml source takes the device from the base name and units from the file', () => {
    const parsed = parseSourcesFile(
      JSON.stringify([{ name: 'packs', topic: 'packs/in', format: 'senml', units: { power: 'kW' } }]),
      'f.json',
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const source = customSource(parsed.sources[0]!);
    expect(
      decodeWith(source, 'packs/in', '[{"bn":"urn:dev:mac:0024befffe804ff1:","n":"power","v":1.5}]', { receivedAt: RECEIVED }),
    ).toEqual({
      kind: 'readings',
      entries: [{ device: 'urn:dev:mac:0024befffe804ff1', ts: RECEIVED, values: { power: 1.5 } }],
      meta: [{ device: 'urn:dev:mac:0024befffe804ff1', units: { power: 'kW' } }],
      skippedFields: 0,
      tsFallbacks: 0,
    });
  });
});

describe('buildSources and friends', () => {
  it('vigil first (under all or when listed), presets in precedence order, then custom; unknown names are an error result', () => {
    expect(buildSources({ prefix: 'devices', enabled: ['zigbee2mqtt'], custom: [] }).map((s) => s.name)).toEqual(['zigbee2mqtt']);
    const parsed = parseSourcesFile(JSON_FILE, 'sources.json');
    if (!parsed.ok) throw new Error('bad fixture');
    const names = buildSources({ prefix: 'devices', enabled: 'all', custom: parsed.sources }).map((s) => s.name);
    expect(names).toEqual([
      'vigil',
      'tasmota',
      'zigbee2mqtt',
      'telegraf',
      'senml',
      'ttn',
      'homeassistant',
      'shelly',
      'esphome',
      'site',
      'boiler',
      'lines',
    ]);
    expect(buildSources({ prefix: 'devices', enabled: ['vigil'], custom: [] }).map((s) => s.name)).toEqual(['vigil']);
    expect(buildSources({ prefix: 'devices', enabled: ['esphome', 'vigil', 'tasmota'], custom: [] }).map((s) => s.name)).toEqual([
      'vigil',
      'tasmota',
      'esphome',
    ]);
    expect(tryBuildSources({ prefix: 'devices', enabled: ['tasmota', 'lora'], custom: [] })).toEqual({
      ok: false,
      errors: ['SOURCES: unknown source "lora" (known: vigil, tasmota, zigbee2mqtt, telegraf, senml, ttn, homeassistant, shelly, esphome)'],
    });
  });

  it('the vigil source still takes native topics first, and a custom source never shadows it', () => {
    const router = new SourceRouter(buildSources({ prefix: 'devices', enabled: 'all', custom: [] }));
    const r = router.route({
      topic: 'devices/sim-001/telemetry',
      payload: enc.encode('{"temperature":21.5}'),
      retain: false,
      receivedAt: RECEIVED,
    });
    expect(r).toEqual({
      source: 'vigil',
      decoded: {
        kind: 'readings',
        entries: [{ device: 'sim-001', ts: RECEIVED, values: { temperature: 21.5 } }],
        meta: [],
        skippedFields: 0,
        tsFallbacks: 0,
      },
    });
  });

  it('suggests the preset that would take an unmatched topic', () => {
    const s = (t: string, p: string) => suggestPreset(t, enc.encode(p));
    expect(s('tele/x/SENSOR', '{"Time":"2024-01-01T00:00:00","A":{"B":1}}')).toBe('tasmota');
    expect(s('zigbee2mqtt/lamp', '{"state":"ON"}')).toBe('zigbee2mqtt');
    expect(s('node1/sensor/t/state', '21.5')).toBe('esphome');
    expect(s('shellyplus1-abc/status/switch:0', '{"apower":1}')).toBe('shelly');
    expect(s('telegraf/h/cpu', 'cpu usage=1 1700000000000000000')).toBe('telegraf');
    expect(s('senml/x', '[{"n":"t","v":1}]')).toBe('senml');
    expect(s('v3/a@ttn/devices/d/up', '{"end_device_ids":{"device_id":"d"},"uplink_message":{"decoded_payload":{"t":1}}}')).toBe('ttn');
    expect(s('homeassistant/sensor/x/config', '{"stat_t":"x/state"}')).toBe('homeassistant');
    expect(s('office/tasmota_1/tele/SENSOR', '{"TempUnit":"C"}')).toBe('tasmota');
    expect(s('metrics/host1', 'cpu,host=a usage=1 1700000000000000000')).toBe('telegraf');
    expect(s('random/topic', 'hello')).toBeNull();
  });
});
