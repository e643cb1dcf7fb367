/**
 * `influx`: InfluxDB line protocol. Metric names are `measurement.field`; the device is the
 * topic's, or the `host` tag's when the source says so (Telegraf). Tags other than the device tag
 * do not split series: two lines that differ only in another tag and share a time keep the later
 * value (docs/sources.md). Timestamps are nanoseconds unless the source sets another unit.
 */
import { deviceIdFor } from '../identity.ts';
import { Collector, readText, rejected } from '../payload.ts';
import { digitsToMs } from '../time.ts';
import type { Decoded } from '../types.ts';
import type { FormatContext } from './context.ts';
import { type Line, parseLineProtocol } from './line-protocol.ts';

export function decodeInflux(payload: Uint8Array, ctx: FormatContext): Decoded {
  const text = readText(payload, ctx.device);
  if (typeof text !== 'string') return text;
  return decodeLineProtocolText(text, ctx);
}

export function decodeLineProtocolText(text: string, ctx: FormatContext): Decoded {
  const parsed = parseLineProtocol(text);
  if (parsed.lines.length === 0) {
    return rejected(ctx.device, 'wrong_shape', `not InfluxDB line protocol: ${parsed.errors[0] ?? 'no lines'}`);
  }
  const col = new Collector(ctx.receivedAt);
  // A bad line is left out like a bad field (InfluxDB itself writes the good lines of a batch).
  col.skipped += parsed.badLines;
  for (const line of parsed.lines) addLine(line, ctx, col);
  return col.result(ctx.device, 'no numeric fields in the lines');
}

function deviceOf(line: Line, ctx: FormatContext): { id: string; name: string } | null {
  if (ctx.deviceTag !== null) {
    for (const [key, value] of line.tags) if (key === ctx.deviceTag) return { id: deviceIdFor(value), name: value };
  }
  if (ctx.device !== null) return { id: ctx.device, name: ctx.deviceName ?? ctx.device };
  return null;
}

function addLine(line: Line, ctx: FormatContext, col: Collector): void {
  const device = deviceOf(line, ctx);
  if (device === null) {
    col.skipped += line.fields.length;
    return;
  }
  const ts = line.ts === null ? ctx.receivedAt : col.checked(digitsToMs(line.ts, ctx.clock.unit));
  let any = false;
  for (const [field, value] of line.fields) {
    if (value === null) {
      col.skipped++;
      continue;
    }
    const path = `${line.measurement}.${field}`;
    if (ctx.options.accept && !ctx.options.accept(path)) continue;
    col.merge(device.id, ts, ctx.options.rename?.(path) ?? path, value);
    any = true;
  }
  if (any && !col.meta.some((m) => m.device === device.id)) col.describe(device.id, device.name, ctx.units ?? undefined);
}
