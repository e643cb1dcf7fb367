/**
 * `telegraf`: Telegraf's JSON serializer, one metric `{"fields","name","tags","timestamp"}` or the
 * batch `{"metrics":[...]}`; metric names `name.field`; the device from the `host` tag or the
 * topic. `timestamp` is seconds by default (json_timestamp_units), read by size when the source
 * says `auto`, so 1ms/1us/1ns units work too. Line protocol (Telegraf's default data_format) is
 * sniffed: a payload that does not start with `{` goes to the line protocol decoder.
 */
import { deviceIdFor } from '../identity.ts';
import { Collector, isObject, leafValue, readText, rejected } from '../payload.ts';
import type { Decoded } from '../types.ts';
import type { FormatContext } from './context.ts';
import { decodeLineProtocolText } from './influx.ts';

export function decodeTelegraf(payload: Uint8Array, ctx: FormatContext): Decoded {
  const text = readText(payload, ctx.device);
  if (typeof text !== 'string') return text;
  const first = text.trimStart().charCodeAt(0);
  if (first !== 123 /* { */ && first !== 91 /* [ */) return decodeLineProtocolText(text, ctx);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return rejected(ctx.device, 'invalid_json', `payload is not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  const metrics = isObject(doc) && Array.isArray(doc['metrics']) ? doc['metrics'] : Array.isArray(doc) ? doc : [doc];
  const col = new Collector(ctx.receivedAt);
  let shaped = 0;
  for (const metric of metrics) if (addMetric(metric, ctx, col)) shaped++;
  if (shaped === 0) return rejected(ctx.device, 'wrong_shape', 'not a Telegraf JSON metric (needs "name" and "fields")');
  return col.result(ctx.device, 'no numeric fields');
}

function addMetric(metric: unknown, ctx: FormatContext, col: Collector): boolean {
  if (!isObject(metric) || typeof metric['name'] !== 'string' || !isObject(metric['fields'])) return false;
  const tags = isObject(metric['tags']) ? metric['tags'] : {};
  const tagged = ctx.deviceTag === null ? undefined : tags[ctx.deviceTag];
  const device =
    typeof tagged === 'string' && tagged !== ''
      ? { id: deviceIdFor(tagged), name: tagged }
      : ctx.device !== null
        ? { id: ctx.device, name: ctx.deviceName ?? ctx.device }
        : null;
  const fields = metric['fields'];
  if (device === null) {
    col.skipped += Object.keys(fields).length;
    return true;
  }
  const ts = metric['timestamp'] === undefined ? ctx.receivedAt : col.time(metric['timestamp'], ctx.clock);
  let any = false;
  for (const field of Object.keys(fields)) {
    const value = leafValue(fields[field]);
    if (value === undefined) {
      col.skipped++;
      continue;
    }
    const path = `${metric['name']}.${field}`;
    if (ctx.options.accept && !ctx.options.accept(path)) continue;
    col.merge(device.id, ts, ctx.options.rename?.(path) ?? path, value);
    any = true;
  }
  if (any && !col.meta.some((m) => m.device === device.id)) col.describe(device.id, device.name, ctx.units ?? undefined);
  return true;
}
