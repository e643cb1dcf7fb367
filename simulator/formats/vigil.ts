/** The native format (SPEC "MQTT: devices to Vigil"): flat readings, or explicit batches with --batch. */
import { statusTopic, telemetryTopic } from '../../domain/topics.ts';
import type { Entry } from '../device.ts';
import { text, type Format } from './format.ts';

export const vigil: Format = {
  name: 'vigil',
  batches: true,
  device({ id }, { prefix }) {
    const telemetry = telemetryTopic(prefix, id);
    return {
      status: { topic: statusTopic(prefix, id), online: text('online'), offline: text('offline') },
      announce: [],
      report: (entries) => [{ topic: telemetry, payload: entries.length === 1 ? encodeFlat(entries[0]!) : encodeBatch(entries) }],
    };
  },
};

/**
 * Hand-built JSON: metric names are already checked against METRIC_NAME (nothing to escape) and
 * values are finite, so this is valid JSON and several times faster than JSON.stringify at load.
 */
function encodeValues(values: Readonly<Record<string, number>>): string {
  let out = '';
  for (const metric in values) out += `${out ? ',' : ''}"${metric}":${values[metric]}`;
  return out;
}

/** A single reading in the flat form devices most often send: {"ts":..,"temperature":..}. */
export function encodeFlat(entry: Entry): Buffer {
  return Buffer.from(`{"ts":${entry.ts},${encodeValues(entry.values)}}`);
}

/** A batch of explicit entries: [{"ts":..,"values":{..}}, ..]. */
export function encodeBatch(entries: readonly Entry[]): Buffer {
  let out = '[';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out += `${i ? ',' : ''}{"ts":${e.ts},"values":{${encodeValues(e.values)}}}`;
  }
  return Buffer.from(`${out}]`);
}
