/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
 * a retained `homeassistant/{component}/[{node_id}/]{object_id}/config` (or the device form
 * `homeassistant/device/{object_id}/config` with `cmps`) registers an entity: its `state_topic`,
 * value template, unit, device class and name. The source then takes messages on that state topic
 * (the router subscribes to what `configured.subscribe` lists) and its `availability_topic`.
 * An empty config payload removes the entity. Abbreviations (`stat_t`, `unit_of_meas`, `val_tpl`,
 * `dev_cla`, …) and the `~` base topic are expanded as Home Assistant does.
 *
 * Device id: the discovery topic's node_id, else the device's first identifier, else its name,
 * else the object_id. Metric: the template's JSON path (`{{ value_json.temperature }}` →
 * `temperature`, as the zigbee2mqtt and tasmota presets name it), else the object_id.
 */
import { deviceIdFor, metricNameFor } from '../identity.ts';
import { bareValue, isObject, leafValue, newFlatOut, putValue, readJson, readText, stateWord, type FlatOut } from '../payload.ts';
import type { Decoded, DeviceMeta, Source, SourceMessage, TopicClaim } from '../types.ts';
import { GATEWAY_ONLY, ownedBy, RETAINED, shortText, status } from './common.ts';
import { evaluate, finish, parseTemplate, RAW_VALUE, type Template } from './ha-template.ts';

const PREFIX = 'homeassistant/';
/** Entities kept at most: a flood of discovery messages cannot grow memory without bound. */
export const MAX_ENTITIES = 10_000;
const CHARTED = new Set(['sensor', 'binary_sensor', 'switch', 'number']);

/** Home Assistant's abbreviations for the options this source reads (homeassistant/components/mqtt/abbreviations.py). */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  stat_t: 'state_topic',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
  dev_cla: 'device_class',
  uniq_id: 'unique_id',
  obj_id: 'object_id',
  avty_t: 'availability_topic',
  avty: 'availability',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_on: 'payload_on',
  pl_off: 'payload_off',
  stat_on: 'state_on',
  stat_off: 'state_off',
  stat_cla: 'state_class',
  dev: 'device',
  cmps: 'components',
  p: 'platform',
  t: 'topic',
};
const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = { ids: 'identifiers', mf: 'manufacturer', mdl: 'model', sw: 'sw_version' };

interface Entity {
  readonly configTopic: string;
  readonly stateTopic: string;
  readonly device: string;
  readonly name: string | undefined;
  readonly metric: string;
  readonly template: Template | string;
  readonly unit: string | undefined;
  readonly on: unknown;
  readonly off: unknown;
}

interface Availability {
  readonly configTopic: string;
  readonly device: string;
  readonly name: string | undefined;
  readonly online: string;
  readonly offline: string;
}

function expand(raw: Record<string, unknown>, table: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) out[table[key] ?? key] = raw[key];
  return out;
}

/** `~` at the start or end of a topic option stands for the base topic. */
function topicOption(value: unknown, base: string | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (base === undefined) return value;
  if (value.startsWith('~')) return base + value.slice(1);
  if (value.endsWith('~')) return value.slice(0, -1) + base;
  return value;
}

/** A state topic Vigil may subscribe to for a stranger: concrete, not Vigil's own or a broker's. */
function usableTopic(topic: string | undefined): topic is string {
  return (
    topic !== undefined &&
    topic.length <= 1024 &&
    !topic.includes('+') &&
    !topic.includes('#') &&
    !topic.startsWith('$') &&
    !topic.startsWith('vigil/')
  );
}

interface ConfigWhere {
  readonly component: string;
  readonly node: string | null;
  readonly object: string;
}

function parseConfigTopic(topic: string): ConfigWhere | null {
  const levels = topic.split('/');
  if (levels[levels.length - 1] !== 'config') return null;
  if (levels.length === 4) return { component: levels[1]!, node: null, object: levels[2]! };
  if (levels.length === 5) return { component: levels[1]!, node: levels[2]!, object: levels[3]! };
  return null;
}

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (Array.isArray(value) && typeof value[0] === 'string' && value[0] !== '') return value[0];
  return undefined;
}

export class HomeAssistantRegistry {
  readonly byState = new Map<string, Entity[]>();
  readonly byAvailability = new Map<string, Availability[]>();
  private readonly byConfig = new Map<string, { entities: Entity[]; availability: ReadonlyArray<readonly [string, Availability]> }>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  remove(configTopic: string): void {
    const known = this.byConfig.get(configTopic);
    if (!known) return;
    this.byConfig.delete(configTopic);
    this.count -= known.entities.length;
    for (const e of known.entities) dropFrom(this.byState, e.stateTopic, (x) => x.configTopic === configTopic);
    for (const [topic] of known.availability) dropFrom(this.byAvailability, topic, (x) => x.configTopic === configTopic);
  }

  add(configTopic: string, entities: Entity[], availability: ReadonlyArray<readonly [string, Availability]>): void {
    this.byConfig.set(configTopic, { entities, availability });
    this.count += entities.length;
    for (const e of entities) push(this.byState, e.stateTopic, e);
    for (const [topic, a] of availability) push(this.byAvailability, topic, a);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function dropFrom<T>(map: Map<string, T[]>, key: string, gone: (x: T) => boolean): void {
  const list = map.get(key);
  if (!list) return;
  const kept = list.filter((x) => !gone(x));
  if (kept.length === 0) map.delete(key);
  else map.set(key, kept);
}

export function homeAssistantSource(registry = new HomeAssistantRegistry()): Source {
  return {
    name: 'homeassistant',
    filters: ['homeassistant/#'],
    decode(message: SourceMessage): Decoded | undefined {
      const { topic } = message;
      if (topic.startsWith(PREFIX)) return decodeDiscovery(registry, message);
      const entities = registry.byState.get(topic);
      if (entities) return message.retain ? RETAINED : decodeState(entities, message);
      const availability = registry.byAvailability.get(topic);
      if (availability) return decodeAvailability(availability[0]!, message);
      return undefined;
    },
    claim(topic: string): TopicClaim | undefined {
      if (topic.startsWith(PREFIX)) {
        // `homeassistant/{component}/{node_id}/{object_id}/config` is the node's (ESPHome names
        // it after itself); without a node_id the payload names the device.
        const node = parseConfigTopic(topic)?.node;
        return node ? ownedBy(node) : GATEWAY_ONLY;
      }
      const named = registry.byState.get(topic) ?? registry.byAvailability.get(topic);
      if (!named) return undefined;
      const device = named[0]!.device;
      return named.every((e) => e.device === device) ? { device } : GATEWAY_ONLY;
    },
  };
}

function decodeDiscovery(registry: HomeAssistantRegistry, message: SourceMessage): Decoded {
  const where = parseConfigTopic(message.topic);
  if (where === null)
    return { kind: 'ignored', why: message.topic === 'homeassistant/status' ? 'home assistant birth' : 'not a config topic' };
  if (message.payload.byteLength === 0) {
    registry.remove(message.topic);
    return { kind: 'configured', subscribe: [], meta: [] };
  }
  const json = readJson(message.payload, null);
  if ('kind' in json) return json;
  if (!isObject(json.doc)) return { kind: 'rejected', device: null, reason: 'wrong_shape', detail: 'discovery config is a JSON object' };
  const config = expand(json.doc, ABBREVIATIONS);
  const parts = componentsOf(where, config);
  const entities: Entity[] = [];
  const availability: Array<readonly [string, Availability]> = [];
  const problems: string[] = [];
  for (const [component, object, options] of parts) {
    if (!CHARTED.has(component)) continue;
    const entity = entityOf(message.topic, where.node, object, component, options, problems);
    if (entity === null) continue;
    entities.push(entity);
    for (const a of availabilityOf(message.topic, entity, options)) availability.push(a);
  }
  if (entities.length === 0) {
    registry.remove(message.topic);
    if (problems.length > 0) return { kind: 'rejected', device: null, reason: 'wrong_shape', detail: problems[0]! };
    return { kind: 'ignored', why: `component ${where.component.slice(0, 40)} is not charted` };
  }
  registry.remove(message.topic);
  if (registry.size + entities.length > MAX_ENTITIES) {
    return {
      kind: 'rejected',
      device: entities[0]!.device,
      reason: 'too_many_entries',
      detail: `discovery holds ${MAX_ENTITIES} entities already`,
    };
  }
  registry.add(message.topic, entities, availability);
  const subscribe = [...new Set([...entities.map((e) => e.stateTopic), ...availability.map(([t]) => t)])];
  return { kind: 'configured', subscribe, meta: metaOf(entities) };
}

/** The (component, object id, options) triples of a single- or device-form config. */
function componentsOf(where: ConfigWhere, config: Record<string, unknown>): Array<readonly [string, string, Record<string, unknown>]> {
  const components = config['components'];
  if (where.component !== 'device' || !isObject(components)) return [[where.component, where.object, config]];
  const shared: Record<string, unknown> = { ...config };
  delete shared['components'];
  const out: Array<readonly [string, string, Record<string, unknown>]> = [];
  for (const key of Object.keys(components)) {
    const raw = components[key];
    if (!isObject(raw)) continue;
    const options = { ...shared, ...expand(raw, ABBREVIATIONS) };
    if (typeof options['platform'] === 'string') out.push([options['platform'], key, options]);
  }
  return out;
}

function entityOf(
  configTopic: string,
  node: string | null,
  object: string,
  component: string,
  options: Record<string, unknown>,
  problems: string[],
): Entity | null {
  const base = typeof options['~'] === 'string' ? options['~'] : undefined;
  const stateTopic = topicOption(options['state_topic'], base);
  if (!usableTopic(stateTopic)) {
    problems.push(`entity ${object.slice(0, 60)} has no usable state_topic`);
    return null;
  }
  const device = isObject(options['device']) ? expand(options['device'], DEVICE_ABBREVIATIONS) : {};
  const original = node ?? firstString(device['identifiers']) ?? firstString(device['name']) ?? object;
  const rawTemplate = options['value_template'];
  const template = typeof rawTemplate === 'string' ? parseTemplate(rawTemplate) : RAW_VALUE;
  const path = typeof template !== 'string' && template.path !== null ? template.path.join('.') : null;
  const unit =
    typeof options['unit_of_measurement'] === 'string' && options['unit_of_measurement'] !== ''
      ? options['unit_of_measurement']
      : undefined;
  const binary = component === 'binary_sensor' || component === 'switch';
  return {
    configTopic,
    stateTopic,
    device: deviceIdFor(original),
    name: firstString(device['name']) ?? (typeof options['name'] === 'string' ? options['name'] : undefined) ?? original,
    metric: metricNameFor(path ?? (typeof options['object_id'] === 'string' ? options['object_id'] : object)),
    template,
    unit,
    on: options['state_on'] ?? options['payload_on'] ?? (binary ? 'ON' : undefined),
    off: options['state_off'] ?? options['payload_off'] ?? (binary ? 'OFF' : undefined),
  };
}

function availabilityOf(configTopic: string, entity: Entity, options: Record<string, unknown>): Array<readonly [string, Availability]> {
  const base = typeof options['~'] === 'string' ? options['~'] : undefined;
  const online = typeof options['payload_available'] === 'string' ? options['payload_available'] : 'online';
  const offline = typeof options['payload_not_available'] === 'string' ? options['payload_not_available'] : 'offline';
  const out: Array<readonly [string, Availability]> = [];
  const add = (topic: string | undefined, on: unknown, off: unknown): void => {
    if (!usableTopic(topic) || topic === entity.stateTopic) return;
    out.push([
      topic,
      {
        configTopic,
        device: entity.device,
        name: entity.name,
        online: typeof on === 'string' ? on : online,
        offline: typeof off === 'string' ? off : offline,
      },
    ]);
  };
  add(topicOption(options['availability_topic'], base), undefined, undefined);
  const list = options['availability'];
  if (Array.isArray(list)) {
    for (const item of list.slice(0, 8)) {
      if (!isObject(item)) continue;
      const a = expand(item, ABBREVIATIONS);
      add(topicOption(a['topic'], base), a['payload_available'], a['payload_not_available']);
    }
  }
  return out;
}

function metaOf(entities: readonly Entity[]): DeviceMeta[] {
  const byDevice = new Map<string, { name: string | undefined; units: Record<string, string> }>();
  for (const e of entities) {
    let m = byDevice.get(e.device);
    if (!m) byDevice.set(e.device, (m = { name: e.name, units: {} }));
    if (e.unit !== undefined) m.units[e.metric] = e.unit;
  }
  return [...byDevice].map(([device, m]) => ({
    device,
    ...(m.name !== undefined && m.name !== device ? { name: m.name } : {}),
    ...(Object.keys(m.units).length > 0 ? { units: m.units } : {}),
  }));
}

function stateValue(entity: Entity, raw: unknown): number | undefined {
  if (entity.on !== undefined && (raw === entity.on || String(raw) === String(entity.on))) return 1;
  if (entity.off !== undefined && (raw === entity.off || String(raw) === String(entity.off))) return 0;
  if (typeof raw === 'string') return bareValue(raw) ?? stateWord(raw);
  return leafValue(raw);
}

function decodeState(entities: readonly Entity[], message: SourceMessage): Decoded {
  const first = entities[0]!;
  const text = readText(message.payload, first.device);
  if (typeof text !== 'string') return text;
  let doc: unknown;
  let parsed = false;
  const outs = new Map<string, FlatOut>();
  let problem = '';
  for (const entity of entities) {
    if (typeof entity.template === 'string') {
      problem = `value template not supported: ${entity.template}`;
      continue;
    }
    if (entity.template.path !== null && !parsed) {
      const json = readJson(message.payload, entity.device);
      parsed = true;
      doc = 'kind' in json ? undefined : json.doc;
    }
    const raw = evaluate(entity.template, text, doc);
    let out = outs.get(entity.device);
    if (!out) outs.set(entity.device, (out = newFlatOut()));
    const n = stateValue(entity, raw);
    if (n === undefined) out.skipped++;
    else putValue(out, entity.metric, finish(entity.template, n));
  }
  const entries = [];
  let skipped = 0;
  for (const [device, out] of outs) {
    skipped += out.skipped;
    if (out.count > 0) entries.push({ device, ts: message.receivedAt, values: out.values });
  }
  if (entries.length === 0)
    return {
      kind: 'rejected',
      device: first.device,
      reason: 'no_values',
      detail: problem || 'the state has no numeric value for the discovered entities',
    };
  return { kind: 'readings', entries, meta: metaOf(entities), skippedFields: skipped, tsFallbacks: 0 };
}

function decodeAvailability(a: Availability, message: SourceMessage): Decoded {
  const text = shortText(message.payload) ?? '';
  const who = { id: a.device, meta: a.name !== undefined && a.name !== a.device ? [{ device: a.device, name: a.name }] : [] };
  if (text === a.online) return status(who, 'online', message.retain);
  if (text === a.offline) return status(who, 'offline', message.retain);
  return { kind: 'rejected', device: a.device, reason: 'bad_status', detail: `availability must be ${a.online} or ${a.offline}` };
}
