/**
 * Telegraf's MQTT output with `data_format = "json"` and its default topic layout
 * telegraf/{host}/{measurement}: {"fields":{..},"name":"sensors","tags":{"host":..},"timestamp":s},
 * timestamp in whole seconds (json_timestamp_units = "1s"). With --batch N the output's `batch`
 * mode is played: one {"metrics":[..]} message per N samples. Telegraf has no presence topic.
 */
import type { Entry } from '../device.ts';
import { json, rounded, VALUE_CHARS, type Format } from './format.ts';

export const TELEGRAF_MEASUREMENT = 'sensors';

export function telegrafMetric(host: string, entry: Entry): Record<string, unknown> {
  const fields: Record<string, number> = {};
  for (const [metric, value] of Object.entries(entry.values)) fields[metric] = rounded(value, 3);
  return { fields, name: TELEGRAF_MEASUREMENT, tags: { host, site: 'vigil-sim' }, timestamp: Math.floor(entry.ts / 1000) };
}

export const telegraf: Format = {
  name: 'telegraf',
  batches: true,
  // {"fields":{..},"name":"sensors","tags":{"host":<64 chars>,"site":"vigil-sim"},"timestamp":<10>},
  entryBytes: (metrics) => 160 + metrics.reduce((sum, m) => sum + m.length + 4 + VALUE_CHARS, 0),
  device({ id }) {
    const topic = `telegraf/${id}/${TELEGRAF_MEASUREMENT}`;
    return {
      status: undefined,
      announce: [],
      report: (entries) => [
        {
          topic,
          payload: json(entries.length === 1 ? telegrafMetric(id, entries[0]!) : { metrics: entries.map((e) => telegrafMetric(id, e)) }),
        },
      ],
    };
  },
};
