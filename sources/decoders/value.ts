/** `value`: a bare number or ON/OFF/true/false, the metric named by the topic (default `value`). */
import type { Decoded } from '../types.ts';
import { bareValue, Collector, newFlatOut, putValue, readText, rejected } from '../payload.ts';
import type { FormatContext } from './context.ts';

export function decodeValue(payload: Uint8Array, ctx: FormatContext): Decoded {
  const device = ctx.device;
  if (device === null) return rejected(null, 'bad_topic', 'the topic names no device');
  const text = readText(payload, device);
  if (typeof text !== 'string') return text;
  const value = bareValue(text);
  if (value === undefined) return rejected(device, 'no_values', 'payload is not a number or ON/OFF/true/false');
  const col = new Collector(ctx.receivedAt);
  const out = newFlatOut();
  putValue(out, ctx.metric ?? 'value', value, ctx.options);
  col.add(device, ctx.receivedAt, out);
  col.describe(device, ctx.deviceName ?? undefined, ctx.units ?? undefined);
  return col.result(device, 'the metric was excluded');
}
