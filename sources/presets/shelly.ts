/**
 * Shelly. Gen2+ (https://shelly-api-docs.shelly.cloud/gen2/General/RPCChannels#mqtt): with status
 * notifications on, `{device}/status/{component}` is the component's status object (`switch:0`
 * → metrics `switch_0.apower`, …), `{device}/events/rpc` carries `NotifyStatus` and
 * `NotifyFullStatus` frames (`params` holds components and `ts` in seconds), `{device}/online` is
 * `true`/`false`. Gen1 (https://shelly-api-docs.shelly.cloud/gen1/#shelly1-shelly1pm-mqtt):
 * `shellies/{device}/relay/0/power` etc. are bare values (metric `relay.0.power`), and
 * `shellies/{device}/online` is `true`/`false`. Component keys have `:` turned into `_` (Shelly
 * never uses `_` in them, so nothing collides).
 */
import { bareValue, Collector, type FlattenOptions, flatten, isObject, newFlatOut, putValue, readJson, readText } from '../payload.ts';
import { pattern } from '../pattern.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { GATEWAY_ONLY, ownedBy, RESERVED_FIRST_LEVELS, RETAINED, shortText, status, unitsByLeaf, who } from './common.ts';

const STATUS = pattern('{device}/status/{component}');
const RPC = pattern('{device}/events/rpc');
const ONLINE = pattern('{device}/online');
const GEN1 = 'shellies/';

const COMPONENT = /^[a-z][a-z0-9_]*(:\d+)?$/;

const OPTIONS: FlattenOptions = {
  // The component's own index, the time the minute counters started and the counters themselves
  // (an array) are bookkeeping, not readings.
  ignoreKeys: new Set(['id', 'minute_ts', 'by_minute', 'ts']),
  key: (key) => key.replace(':', '_'),
};

/** Units of the Gen2 status fields (docs: Switch, Cover, PM1, Temperature, …) by leaf. */
const GEN2_UNITS: Readonly<Record<string, string>> = {
  apower: 'W',
  voltage: 'V',
  current: 'A',
  freq: 'Hz',
  total: 'Wh',
  tC: '°C',
  tF: '°F',
  rh: '%',
  rssi: 'dBm',
  uptime: 's',
  ram_free: 'B',
  fs_free: 'B',
};

/** Gen1 leaves: relay energy counters are in watt-minutes, the EM's in watt-hours. */
const GEN1_UNITS: Readonly<Record<string, string>> = {
  power: 'W',
  voltage: 'V',
  current: 'A',
  temperature: '°C',
  temperature_f: '°F',
  humidity: '%',
  lux: 'lx',
};

export function shellySource(): Source {
  return {
    name: 'shelly',
    filters: [STATUS.filter, RPC.filter, ONLINE.filter, 'shellies/#'],
    decode(message: SourceMessage): Decoded | undefined {
      const { topic } = message;
      if (topic.startsWith(GEN1)) return decodeGen1(topic.slice(GEN1.length), message);
      const slash = topic.indexOf('/');
      if (slash < 0 || RESERVED_FIRST_LEVELS.has(topic.slice(0, slash))) return undefined;
      const online = ONLINE.match(topic);
      if (online) return onlineStatus(online['device']!, message);
      const rpc = RPC.match(topic);
      if (rpc) return decodeRpc(rpc['device']!, message);
      const st = STATUS.match(topic);
      if (!st || !COMPONENT.test(st['component']!)) return undefined;
      if (message.retain) return RETAINED;
      return decodeComponent(st['device']!, st['component']!, message);
    },
    claim(topic: string): TopicClaim | undefined {
      if (topic.startsWith(GEN1)) {
        const slash = topic.indexOf('/', GEN1.length);
        // `shellies/announce` and `shellies/command` are the broadcast topics of every device.
        return slash <= GEN1.length ? GATEWAY_ONLY : ownedBy(topic.slice(GEN1.length, slash));
      }
      const slash = topic.indexOf('/');
      if (slash < 0 || RESERVED_FIRST_LEVELS.has(topic.slice(0, slash))) return undefined;
      const m = ONLINE.match(topic) ?? RPC.match(topic);
      if (m) return ownedBy(m['device']!);
      const st = STATUS.match(topic);
      return st && COMPONENT.test(st['component']!) ? ownedBy(st['device']!) : undefined;
    },
  };
}

function onlineStatus(device: string, message: SourceMessage): Decoded | undefined {
  const text = shortText(message.payload);
  if (text !== 'true' && text !== 'false') return undefined;
  return status(who(device), text === 'true' ? 'online' : 'offline', message.retain);
}

function decodeComponent(device: string, component: string, message: SourceMessage): Decoded {
  const d = who(device);
  const json = readJson(message.payload, d.id);
  if ('kind' in json) return json;
  if (!isObject(json.doc)) return { kind: 'rejected', device: d.id, reason: 'wrong_shape', detail: 'component status is a JSON object' };
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  flatten(json.doc, OPTIONS.key!(component), out, OPTIONS);
  col.add(d.id, message.receivedAt, out);
  col.describe(d.id, device, unitsByLeaf(out.values, GEN2_UNITS));
  return col.result(d.id, 'no numeric values in the component status');
}

function decodeRpc(device: string, message: SourceMessage): Decoded {
  const d = who(device);
  const json = readJson(message.payload, d.id);
  if ('kind' in json) return json;
  const doc = json.doc;
  if (!isObject(doc) || typeof doc['method'] !== 'string')
    return { kind: 'rejected', device: d.id, reason: 'wrong_shape', detail: 'not a JSON-RPC frame' };
  if (doc['method'] !== 'NotifyStatus' && doc['method'] !== 'NotifyFullStatus')
    return { kind: 'ignored', why: `rpc ${doc['method'].slice(0, 40)}` };
  const params = doc['params'];
  if (!isObject(params)) return { kind: 'rejected', device: d.id, reason: 'wrong_shape', detail: 'NotifyStatus without params' };
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  flatten(params, '', out, OPTIONS);
  col.add(d.id, col.time(params['ts'], { unit: 's', zone: 'UTC' }), out);
  col.describe(d.id, device, unitsByLeaf(out.values, GEN2_UNITS));
  return col.result(d.id, 'no numeric values in the notification');
}

function decodeGen1(rest: string, message: SourceMessage): Decoded {
  const slash = rest.indexOf('/');
  if (slash <= 0) return { kind: 'ignored', why: 'shellies broadcast' };
  const device = rest.slice(0, slash);
  const path = rest.slice(slash + 1);
  if (path === 'online')
    return (
      onlineStatus(device, message) ?? {
        kind: 'rejected',
        device: who(device).id,
        reason: 'bad_status',
        detail: 'online must be true or false',
      }
    );
  if (
    path === '' ||
    path === 'announce' ||
    path === 'info' ||
    path.endsWith('/command') ||
    path === 'command' ||
    path.startsWith('input_event')
  ) {
    return { kind: 'ignored', why: 'not a reading' };
  }
  if (message.retain) return RETAINED;
  const d = who(device);
  const text = readText(message.payload, d.id);
  if (typeof text !== 'string') return text;
  const metric = path.split('/').join('.');
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  if (text.trimStart().startsWith('{')) {
    const json = readJson(message.payload, d.id);
    if ('kind' in json) return json;
    if (isObject(json.doc)) flatten(json.doc, metric, out, OPTIONS);
  } else {
    const value = bareValue(text);
    if (value !== undefined) putValue(out, metric, value);
  }
  col.add(d.id, message.receivedAt, out);
  const units = unitsByLeaf(out.values, GEN1_UNITS);
  for (const name of Object.keys(out.values)) {
    if (name.endsWith('.energy') || name.endsWith('.returned_energy')) units[name] = name.startsWith('emeter') ? 'Wh' : 'Wmin';
  }
  col.describe(d.id, device, units);
  return col.result(d.id, 'value is not a number or on/off');
}
