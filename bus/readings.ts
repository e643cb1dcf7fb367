/**
 * vigil/events/readings: the entries ingest accepted and stored, batched (one message per flush),
 * heard by every API process (live stream) and every alerter (evaluation).
 */
import { z } from 'zod';
import { isDeviceId, isMetricName, MAX_BATCH_ENTRIES, MAX_PAYLOAD_BYTES, type TelemetryEntry } from '../domain/reading.ts';
import { VIGIL_TOPICS } from './topics.ts';
import { defineKind, tsSchema } from './wire.ts';

/** Far above a 500-entry flush of typical entries; batches are split to fit (encodeBatches). */
export const MAX_READINGS_BYTES = 512 * 1024;
/** The largest batch a device may send; the forwarder sends at most 500. */
export const MAX_READINGS_ENTRIES = MAX_BATCH_ENTRIES;
/** The most metrics one device payload can carry: `"a":0,` is six bytes. */
export const MAX_VALUES_PER_ENTRY = Math.floor(MAX_PAYLOAD_BYTES / 6);

/**
 * Checked key by key rather than with z.record: a key such as `__proto__` must be refused by
 * name (z.record would assign it and silently lose it), and the result is a null-prototype
 * object, as the ingest parser gives.
 */
const valuesSchema = z.unknown().transform((raw, ctx): Readonly<Record<string, number>> => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('values must be an object');
  const out = Object.create(null) as Record<string, number>;
  let count = 0;
  for (const key of Object.keys(raw)) {
    if (!isMetricName(key)) return fail('bad_metric_name');
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail('bad_value');
    if (++count > MAX_VALUES_PER_ENTRY) return fail('too_many_entries');
    out[key] = value;
  }
  return count === 0 ? fail('empty') : out;
});

const entrySchema = z.object({
  device: z.string({ error: 'bad_device_id' }).refine(isDeviceId, { error: 'bad_device_id' }),
  ts: tsSchema,
  values: valuesSchema,
});

const batchSchema = z.array(entrySchema).min(1, { error: 'empty' }).max(MAX_READINGS_ENTRIES, { error: 'too_many_entries' });

export const readings = defineKind({
  topic: VIGIL_TOPICS.readings,
  qos: 1,
  maxBytes: MAX_READINGS_BYTES,
  schema: batchSchema,
  latestTs: (batch) => batch.reduce((max, e) => Math.max(e.ts, max), 0),
  build: (batch): readonly TelemetryEntry[] => batch,
});

/**
 * Splits entries into messages that each fit MAX_READINGS_BYTES and `maxEntries`. An entry that
 * alone is larger (impossible for what ingest accepts: a device payload is at most 64 KiB) is
 * not sent, and counted in `dropped`, since every consumer would refuse it.
 */
export function encodeBatches(entries: readonly TelemetryEntry[], maxEntries = 500): { payloads: string[]; dropped: number } {
  const payloads: string[] = [];
  let dropped = 0;
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (parts.length > 0) payloads.push(`[${parts.join(',')}]`);
    parts = [];
    bytes = 2;
  };
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    const size = Buffer.byteLength(json) + 1;
    if (size + 2 > MAX_READINGS_BYTES) {
      dropped++;
      continue;
    }
    if (parts.length >= Math.min(maxEntries, MAX_READINGS_ENTRIES) || bytes + size > MAX_READINGS_BYTES) flush();
    parts.push(json);
    bytes += size;
  }
  flush();
  return { payloads, dropped };
}
