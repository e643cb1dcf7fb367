/**
 * Zigbee2MQTT: the bridge publishes each device's state as flat JSON on zigbee2mqtt/{name}
 * (battery %, voltage in mV, linkquality, states as `ON`/`OFF`), and its availability retained on
 * zigbee2mqtt/{name}/availability as {"state":"online"|"offline"}. Here every device is its own
 * client, so that availability is its last will; the first device also plays the bridge
 * (zigbee2mqtt/bridge/state). --batch does not apply.
 */
import { json, rounded, type Format } from './format.ts';

export const zigbee2mqtt: Format = {
  name: 'zigbee2mqtt',
  batches: false,
  device({ id, index }) {
    const topic = `zigbee2mqtt/${id}`;
    return {
      status: { topic: `${topic}/availability`, online: json({ state: 'online' }), offline: json({ state: 'offline' }) },
      announce: index === 0 ? [{ topic: 'zigbee2mqtt/bridge/state', payload: json({ state: 'online' }), retain: true }] : [],
      report(entries) {
        const entry = entries[entries.length - 1]!;
        const state: Record<string, number | string> = {};
        for (const [metric, value] of Object.entries(entry.values)) {
          // Zigbee2MQTT reports a battery's voltage in mV.
          state[metric] = metric === 'voltage' ? Math.round(value * 1000) : rounded(value, 2);
        }
        state['linkquality'] = 60 + ((index * 37 + Math.floor(entry.ts / 1000)) % 140);
        return [{ topic, payload: json(state) }];
      },
    };
  },
};
