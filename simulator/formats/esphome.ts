/**
 * ESPHome's MQTT component: one message per sensor, the bare value on
 * {id}/sensor/{object_id}/state (retained, ESPHome's default), binary sensors `ON`/`OFF` on
 * {id}/binary_sensor/{object_id}/state, and {id}/status `online`/`offline` as birth and will.
 * --batch does not apply: each report is one state per sensor.
 */
import { rounded, text, type Format, type OutMessage } from './format.ts';

/** Above this illuminance the node's occupancy binary sensor reads ON (room lights on). */
const OCCUPIED_LUX = 200;

export const esphome: Format = {
  name: 'esphome',
  batches: false,
  device({ id }) {
    const state = (kind: 'sensor' | 'binary_sensor', name: string, value: string): OutMessage => ({
      topic: `${id}/${kind}/${objectId(name)}/state`,
      payload: text(value),
      retain: true,
    });
    return {
      status: { topic: `${id}/status`, online: text('online'), offline: text('offline') },
      announce: [],
      report(entries) {
        const entry = entries[entries.length - 1]!;
        const out = Object.entries(entry.values).map(([metric, value]) => state('sensor', metric, rounded(value, 2).toFixed(2)));
        const lux = entry.values['light'];
        if (lux !== undefined) out.push(state('binary_sensor', 'occupancy', lux > OCCUPIED_LUX ? 'ON' : 'OFF'));
        return out;
      },
    };
  },
};

/** ESPHome derives the object id from the entity name: lower case, other characters to `_`. */
export function objectId(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
