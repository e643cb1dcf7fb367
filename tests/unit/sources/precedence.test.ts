import { describe, expect, it } from 'vitest';
import { buildSources } from '../../../sources/index.ts';
import { SourceRouter } from '../../../sources/router.ts';
import type { Source } from '../../../sources/types.ts';
import { RECEIVED } from './corpus/helpers.ts';

const enc = new TextEncoder();
const route = (router: SourceRouter, topic: string, payload: string, retain = false) =>
  router.route({ topic, payload: enc.encode(payload), retain, receivedAt: RECEIVED });

describe('precedence between sources (docs/sources.md)', () => {
  it('a discovered ESPHome topic is decoded by homeassistant (with its unit), an undiscovered one by esphome', () => {
    const router = new SourceRouter(buildSources({ prefix: 'devices', enabled: 'all', custom: [] }));
    route(router, 'homeassistant/sensor/node1/temp/config', '{"stat_t":"node1/sensor/temp/state","unit_of_meas":"°C"}', true);
    expect(route(router, 'node1/sensor/temp/state', '20.5')).toMatchObject({
      source: 'homeassistant',
      decoded: { meta: [{ device: 'node1', units: { temp: '°C' } }] },
    });
    expect(route(router, 'node1/sensor/hum/state', '40')).toMatchObject({
      source: 'esphome',
      decoded: { entries: [{ device: 'node1', values: { hum: 40 } }] },
    });
  });

  it('a zigbee2mqtt state topic stays with zigbee2mqtt even when discovery names it', () => {
    const router = new SourceRouter(buildSources({ prefix: 'devices', enabled: 'all', custom: [] }));
    route(
      router,
      'homeassistant/sensor/0x00158d0001a2b3c4/temperature/config',
      '{"stat_t":"zigbee2mqtt/kitchen","val_tpl":"{{ value_json.temperature }}","unit_of_meas":"°C"}',
      true,
    );
    expect(route(router, 'zigbee2mqtt/kitchen', '{"temperature":21}')).toMatchObject({
      source: 'zigbee2mqtt',
      decoded: { entries: [{ device: 'kitchen' }] },
    });
  });

  it("generic presets never take another ecosystem's topics, even when that preset is off", () => {
    const router = new SourceRouter(buildSources({ prefix: 'devices', enabled: ['esphome', 'shelly'], custom: [] }));
    expect(route(router, 'homeassistant/status', 'online')).toEqual({ source: null });
    expect(route(router, 'zigbee2mqtt/online', 'true')).toEqual({ source: null });
    expect(route(router, 'tele/status/x', '{"a":1}')).toEqual({ source: null });
    // Not a status word: left to the next source, then unmatched.
    expect(route(router, 'node1/status', '{"uptime":5}')).toEqual({ source: null });
    expect(router.unmatched().map((u) => u.topic)).toEqual(['node1/status', 'tele/status/x', 'zigbee2mqtt/online', 'homeassistant/status']);
  });

  it("vigil owns everything under TOPIC_PREFIX: a prefix equal to a preset's first level shadows that preset", () => {
    const router = new SourceRouter(buildSources({ prefix: 'tele', enabled: 'all', custom: [] }));
    expect(route(router, 'tele/dev1/telemetry', '{"t":1}')).toMatchObject({ source: 'vigil' });
    expect(route(router, 'tele/dev1/SENSOR', '{"A":{"T":1}}')).toMatchObject({
      source: 'vigil',
      decoded: { kind: 'rejected', reason: 'bad_topic' },
    });
  });
});

describe('the router index by first topic level', () => {
  const asked: string[] = [];
  /** A source that claims `claims` topics and notes every topic it is asked about. */
  const fake = (name: string, firstLevels: readonly string[] | undefined, claims: (topic: string) => boolean): Source => ({
    name,
    filters: [],
    ...(firstLevels === undefined ? {} : { firstLevels }),
    decode(message) {
      asked.push(`${name}:${message.topic}`);
      return claims(message.topic) ? { kind: 'ignored', why: name } : undefined;
    },
  });

  it('keeps the configured order across indexed and any-level sources, and asks an indexed one only about its levels', () => {
    const router = new SourceRouter([
      fake('a', ['tele'], (t) => t === 'tele/x'),
      fake('any', undefined, (t) => t !== 'nobody/z'),
      fake('c', ['tele', 'other'], () => true),
    ]);
    const source = (topic: string) => {
      const routed = route(router, topic, '1');
      return routed.source;
    };
    expect(source('tele/x')).toBe('a');
    expect(source('tele/y')).toBe('any');
    expect(source('other/y')).toBe('any');
    expect(source('plain')).toBe('any');
    asked.length = 0;
    expect(source('nobody/z')).toBeNull();
    // Neither indexed source is asked about a level it did not name.
    expect(asked).toEqual(['any:nobody/z']);
    asked.length = 0;
    expect(source('tele')).toBe('any');
    expect(asked).toEqual(['a:tele', 'any:tele']);
  });
});
