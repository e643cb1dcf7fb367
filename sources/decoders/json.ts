/**
 * `json`: one device (from the topic), its numeric leaves flattened into dotted metric names
 * (SPEC "Device sources"); a timestamp at a configured path.
 */
import type { Decoded } from '../types.ts';
import { Collector, flatten, isObject, newFlatOut, pathGet, readJson } from '../payload.ts';
import type { FormatContext } from './context.ts';

export function decodeJson(payload: Uint8Array, ctx: FormatContext): Decoded {
  const device = ctx.device;
  if (device === null) return { kind: 'rejected', device: null, reason: 'bad_topic', detail: 'the topic names no device' };
  const json = readJson(payload, device);
  if ('kind' in json) return json;
  const col = new Collector(ctx.receivedAt);
  decodeJsonDoc(json.doc, ctx, device, col);
  col.describe(device, ctx.deviceName ?? undefined, ctx.units ?? undefined);
  return col.result(device, 'no numeric values in the payload');
}

/** Adds one JSON document's values for `device` to `col`; arrays of objects are a batch. */
export function decodeJsonDoc(doc: unknown, ctx: FormatContext, device: string, col: Collector): void {
  if (Array.isArray(doc)) {
    // A batch of objects, as the native format allows; bounded by the payload size.
    for (const item of doc) {
      if (isObject(item)) decodeJsonDoc(item, ctx, device, col);
      else col.skipped++;
    }
    return;
  }
  const out = newFlatOut();
  const prefix = ctx.metric ?? '';
  if (isObject(doc)) {
    const tsKey = ctx.tsPath === null ? null : ctx.tsPath.join('.');
    const options = tsKey === null ? ctx.options : { ...ctx.options, ignorePaths: withPath(ctx.options.ignorePaths, prefix, tsKey) };
    flatten(doc, prefix, out, options);
    const ts = ctx.tsPath === null ? ctx.receivedAt : col.time(pathGet(doc, ctx.tsPath), ctx.clock);
    col.add(device, ts, out);
    return;
  }
  // A bare JSON scalar: the topic's metric, or nothing to name it by.
  col.skipped++;
}

const cache = new Map<string, ReadonlySet<string>>();

function withPath(base: ReadonlySet<string> | undefined, prefix: string, path: string): ReadonlySet<string> {
  const full = prefix === '' ? path : `${prefix}.${path}`;
  if (base === undefined) {
    let set = cache.get(full);
    if (!set) {
      set = new Set([full]);
      if (cache.size > 256) cache.clear();
      cache.set(full, set);
    }
    return set;
  }
  return new Set([...base, full]);
}
