/**
 * Home Assistant MQTT discovery: on connect each device publishes, retained, one config per
 * metric on homeassistant/sensor/{id}/{metric}/config (name, unique_id, device_class,
 * unit_of_measurement, state_topic, `{{ value_json.KEY }}` value_template, availability_topic,
 * device block), then its state as one JSON object on the state topic those configs name, and
 * `online`/`offline` on the availability topic (its will). --batch does not apply.
 */
import { profileOf } from '../signals.ts';
import { json, rounded, text, type Format } from './format.ts';

/** Home Assistant's sensor device classes for the metrics this simulator knows. */
const DEVICE_CLASS: Readonly<Record<string, string>> = {
  temperature: 'temperature',
  humidity: 'humidity',
  pressure: 'atmospheric_pressure',
  co2: 'carbon_dioxide',
  battery: 'battery',
  voltage: 'voltage',
  light: 'illuminance',
};
/** Where the simulated devices keep their own topics (what a firmware's MQTT base topic would be). */
export const HA_BASE = 'vigil-sim';

export const homeassistant: Format = {
  name: 'homeassistant',
  batches: false,
  device({ id, metrics }) {
    const stateTopic = `${HA_BASE}/${id}/state`;
    const availability = `${HA_BASE}/${id}/availability`;
    const device = { identifiers: [`vigil-sim-${id}`], name: id, manufacturer: 'Vigil', model: 'Simulated sensor' };
    const announce = metrics.map((metric) => {
      // Discovery ids allow [A-Za-z0-9_-]; a metric with a dot is quoted in the template.
      const object = metric.replace(/[^A-Za-z0-9_-]/g, '_');
      const unit = profileOf(metric).unit;
      const deviceClass = DEVICE_CLASS[metric];
      const config = {
        name: metric[0]!.toUpperCase() + metric.slice(1).replaceAll('_', ' '),
        unique_id: `${id}_${object}`,
        object_id: `${id}_${object}`,
        state_topic: stateTopic,
        value_template: object === metric ? `{{ value_json.${metric} }}` : `{{ value_json['${metric}'] }}`,
        ...(unit ? { unit_of_measurement: unit } : {}),
        ...(deviceClass ? { device_class: deviceClass } : {}),
        state_class: 'measurement',
        availability_topic: availability,
        device,
      };
      return { topic: `homeassistant/sensor/${id}/${object}/config`, payload: json(config), retain: true };
    });
    return {
      status: { topic: availability, online: text('online'), offline: text('offline') },
      announce,
      report(entries) {
        const entry = entries[entries.length - 1]!;
        const state: Record<string, number> = {};
        for (const [metric, value] of Object.entries(entry.values)) state[metric] = rounded(value, 2);
        return [{ topic: stateTopic, payload: json(state) }];
      },
    };
  },
};
