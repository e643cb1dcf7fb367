/**
 * ESPHome's MQTT client (https://esphome.io/components/mqtt.html): with the default topic prefix
 * (the node name) a sensor publishes `{device}/sensor/{object_id}/state` as a bare number, a binary
 * sensor `{device}/binary_sensor/{object_id}/state` as ON/OFF, and the birth/last will is
 * `{device}/status` `online`/`offline`. Units come only through Home Assistant discovery (the
 * `homeassistant` preset, which takes a discovered state topic before this one). Topics whose
 * first level belongs to another ecosystem (`homeassistant/status`) are never taken, and a
 * `{device}/status` that is not online/offline is left to the next source.
 */
import { bareValue, Collector, newFlatOut, putValue, readText } from '../payload.ts';
import { pattern } from '../pattern.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { ownedBy, RESERVED_FIRST_LEVELS, RETAINED, shortText, status, who } from './common.ts';

const SENSOR = pattern('{device}/sensor/{metric}/state');
const BINARY = pattern('{device}/binary_sensor/{metric}/state');
const STATUS = pattern('{device}/status');

export function esphomeSource(): Source {
  return {
    name: 'esphome',
    filters: [SENSOR.filter, BINARY.filter, STATUS.filter],
    decode(message: SourceMessage): Decoded | undefined {
      const { topic } = message;
      const slash = topic.indexOf('/');
      if (slash < 0 || RESERVED_FIRST_LEVELS.has(topic.slice(0, slash))) return undefined;
      const st = STATUS.match(topic);
      if (st) {
        const text = shortText(message.payload);
        if (text !== 'online' && text !== 'offline') return undefined;
        return status(who(st['device']!), text, message.retain);
      }
      const m = SENSOR.match(topic) ?? BINARY.match(topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      return decodeState(m['device']!, m['metric']!, message);
    },
    claim(topic: string): TopicClaim | undefined {
      const slash = topic.indexOf('/');
      if (slash < 0 || RESERVED_FIRST_LEVELS.has(topic.slice(0, slash))) return undefined;
      const m = STATUS.match(topic) ?? SENSOR.match(topic) ?? BINARY.match(topic);
      return m ? ownedBy(m['device']!) : undefined;
    },
  };
}

function decodeState(device: string, metric: string, message: SourceMessage): Decoded {
  const d = who(device);
  const text = readText(message.payload, d.id);
  if (typeof text !== 'string') return text;
  const value = bareValue(text);
  // ESPHome publishes `nan` for a sensor without a reading.
  if (value === undefined) return { kind: 'rejected', device: d.id, reason: 'no_values', detail: 'state is not a number or ON/OFF' };
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  putValue(out, metric, value);
  col.add(d.id, message.receivedAt, out);
  col.describe(d.id, device, undefined);
  return col.result(d.id, 'no value');
}
