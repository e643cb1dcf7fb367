/**
 * Zigbee2MQTT (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html):
 * `zigbee2mqtt/{friendly_name}` carries the device's state as flat JSON (friendly names may
 * contain `/`); `zigbee2mqtt/{friendly_name}/availability` is `{"state":"online"}` (or `online`
 * in the legacy mode); `zigbee2mqtt/bridge/#` is the bridge's own chatter and `…/set`, `…/get`
 * are commands: all ignored. With `output: attribute`, each attribute comes as a bare value on
 * `zigbee2mqtt/{friendly_name}/{attribute}`: the last level is then the metric. `last_seen`, when
 * enabled, is the reading's time.
 */
import { bareValue, Collector, flatten, isObject, newFlatOut, putValue, readJson, readText } from '../payload.ts';
import { UTC_AUTO } from '../time.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { GATEWAY_ONLY, ownedBy, RETAINED, status, unitsByLeaf, who } from './common.ts';

const BASE = 'zigbee2mqtt/';
const IGNORE_PATHS = new Set(['last_seen']);

/** Units Zigbee2MQTT's exposes use for the common attributes. */
const UNITS: Readonly<Record<string, string>> = {
  temperature: '°C',
  local_temperature: '°C',
  device_temperature: '°C',
  humidity: '%',
  soil_moisture: '%',
  battery: '%',
  voltage: 'mV',
  pressure: 'hPa',
  illuminance_lux: 'lx',
  power: 'W',
  energy: 'kWh',
  current: 'A',
  co2: 'ppm',
  pm25: 'µg/m³',
  linkquality: 'lqi',
};

const ignored = (why: string): Decoded => ({ kind: 'ignored', why });
const AVAILABILITY = '/availability';
const isBridge = (rest: string): boolean => rest === 'bridge' || rest.startsWith('bridge/');
const isMalformed = (rest: string): boolean => rest === '' || rest.startsWith('/') || rest.endsWith('/') || rest.includes('//');
const isBridgeOrMalformed = (rest: string): boolean => isBridge(rest) || isMalformed(rest);

export function zigbee2mqttSource(): Source {
  return {
    name: 'zigbee2mqtt',
    filters: ['zigbee2mqtt/#'],
    firstLevels: ['zigbee2mqtt'],
    decode(message: SourceMessage): Decoded | undefined {
      const { topic } = message;
      if (!topic.startsWith(BASE)) return undefined;
      const rest = topic.slice(BASE.length);
      if (isBridge(rest)) return ignored('bridge');
      if (isMalformed(rest)) return ignored('not a device topic');
      const cut = rest.lastIndexOf('/');
      const last = cut < 0 ? rest : rest.slice(cut + 1);
      if (cut > 0 && last === 'availability') return decodeAvailability(rest.slice(0, cut), message);
      if (cut > 0 && (last === 'set' || last === 'get' || rest.includes('/set/') || rest.includes('/get/'))) return ignored('command');
      if (message.retain) return RETAINED;
      return decodeState(rest, message);
    },
    claim(topic: string): TopicClaim | undefined {
      if (!topic.startsWith(BASE)) return undefined;
      const rest = topic.slice(BASE.length);
      if (isBridgeOrMalformed(rest)) return GATEWAY_ONLY;
      if (rest.endsWith(AVAILABILITY)) return ownedBy(rest.slice(0, -AVAILABILITY.length));
      // `zigbee2mqtt/a/b` is device `a/b` (JSON) or attribute `b` of `a` (a bare value): the
      // payload decides, so only a name without `/` belongs to one device by its topic.
      return rest.includes('/') ? GATEWAY_ONLY : ownedBy(rest);
    },
  };
}

function decodeAvailability(name: string, message: SourceMessage): Decoded {
  const d = who(name);
  const text = readText(message.payload, d.id);
  if (typeof text !== 'string') return text;
  let state: unknown = text.trim();
  if (text.trimStart().startsWith('{')) {
    const json = readJson(message.payload, d.id);
    state = 'kind' in json || !isObject(json.doc) ? undefined : json.doc['state'];
  }
  if (state !== 'online' && state !== 'offline') {
    return {
      kind: 'rejected',
      device: d.id,
      reason: 'bad_status',
      detail: 'availability must be {"state":"online"|"offline"} or online/offline',
    };
  }
  return status(d, state, message.retain);
}

function decodeState(name: string, message: SourceMessage): Decoded {
  const text = readText(message.payload, null);
  if (typeof text !== 'string') return { ...text, device: who(name).id };
  if (!text.trimStart().startsWith('{')) return decodeAttribute(name, text, message);
  const d = who(name);
  const json = readJson(message.payload, d.id);
  if ('kind' in json) return json;
  if (!isObject(json.doc)) return { kind: 'rejected', device: d.id, reason: 'wrong_shape', detail: 'device state is a JSON object' };
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  flatten(json.doc, '', out, { ignorePaths: IGNORE_PATHS });
  col.add(d.id, col.time(json.doc['last_seen'], UTC_AUTO), out);
  col.describe(d.id, name, unitsByLeaf(out.values, UNITS));
  return col.result(d.id, 'no numeric values in the device state');
}

/** `output: attribute`: `zigbee2mqtt/{name}/{attribute}` with a bare value. */
function decodeAttribute(path: string, text: string, message: SourceMessage): Decoded {
  const cut = path.lastIndexOf('/');
  const value = bareValue(text);
  const d = who(cut < 0 ? path : path.slice(0, cut));
  if (cut < 0 || value === undefined) {
    return { kind: 'rejected', device: d.id, reason: 'no_values', detail: 'payload is neither a JSON state nor a bare value' };
  }
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  putValue(out, path.slice(cut + 1), value);
  col.add(d.id, message.receivedAt, out);
  col.describe(d.id, path.slice(0, cut), unitsByLeaf(out.values, UNITS));
  return col.result(d.id, 'no value');
}
