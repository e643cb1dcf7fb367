/**
 * `senml`: SenML JSON (RFC 8428). A pack is an array of records; base fields (bn, bt, bu, bv, bs)
 * apply to the records after them until changed. Name = bn + n; the metric is `n` (the part after
 * the base name), or the base name's last component when `n` is empty. Value: `v` (+ bv), `vb`
 * as 1/0, else `s` (+ bs); `vs` and `vd` are strings and skipped. Time = bt + t in seconds; a
 * result below 2**28 is relative to now (RFC 8428 §4.5.3). Unit: `u`, else `bu`. The device is
 * the topic's, or the base name (trailing `:` `/` `.` trimmed) when the topic names none.
 */
import { deviceIdFor, metricNameFor as metricNameOf } from '../identity.ts';
import { Collector, isObject, readJson, rejected } from '../payload.ts';
import type { Decoded } from '../types.ts';
import type { FormatContext } from './context.ts';

const RELATIVE_LIMIT = 2 ** 28;

interface Base {
  bn: string;
  bt: number;
  bu: string | undefined;
  bv: number;
  bs: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function lastComponent(name: string): string {
  const trimmed = trimSeparators(name);
  let cut = -1;
  for (let i = trimmed.length - 1; i >= 0; i--) {
    const c = trimmed[i];
    if (c === ':' || c === '/' || c === '.') {
      cut = i;
      break;
    }
  }
  return trimmed.slice(cut + 1);
}

function trimSeparators(name: string): string {
  let end = name.length;
  while (end > 0 && (name[end - 1] === ':' || name[end - 1] === '/' || name[end - 1] === '.')) end--;
  return name.slice(0, end);
}

export function decodeSenml(payload: Uint8Array, ctx: FormatContext): Decoded {
  const json = readJson(payload, ctx.device);
  if ('kind' in json) return json;
  const records = Array.isArray(json.doc) ? json.doc : isObject(json.doc) ? [json.doc] : null;
  if (records === null || records.length === 0) return rejected(ctx.device, 'wrong_shape', 'SenML is an array of records');
  const col = new Collector(ctx.receivedAt);
  const base: Base = { bn: '', bt: 0, bu: undefined, bv: 0, bs: 0 };
  const units = new Map<string, Record<string, string>>();
  const names = new Map<string, string>();
  for (const record of records) {
    if (!isObject(record)) {
      col.skipped++;
      continue;
    }
    addRecord(record, base, ctx, col, units, names);
  }
  for (const [device, name] of names) {
    const found = units.get(device);
    col.describe(device, name, ctx.units ? { ...found, ...ctx.units } : found);
  }
  return col.result(ctx.device, 'no numeric SenML values');
}

function addRecord(
  record: Record<string, unknown>,
  base: Base,
  ctx: FormatContext,
  col: Collector,
  units: Map<string, Record<string, string>>,
  names: Map<string, string>,
): void {
  if (typeof record['bn'] === 'string') base.bn = record['bn'];
  base.bt = num(record['bt']) ?? base.bt;
  if (typeof record['bu'] === 'string') base.bu = record['bu'];
  base.bv = num(record['bv']) ?? base.bv;
  base.bs = num(record['bs']) ?? base.bs;
  const n = str(record['n']) ?? '';
  const value = recordValue(record, base);
  if (value === undefined) {
    // A record that only sets base fields carries no value and is not a skipped one.
    if ('vs' in record || 'vd' in record || 'v' in record || 'vb' in record || 's' in record || n !== '') col.skipped++;
    return;
  }
  const deviceName = ctx.device !== null ? (ctx.deviceName ?? ctx.device) : trimSeparators(base.bn);
  if (deviceName === '') {
    col.skipped++;
    return;
  }
  const device = ctx.device ?? deviceIdFor(deviceName);
  const metricPath = n !== '' ? n : lastComponent(base.bn) || 'value';
  if (ctx.options.accept && !ctx.options.accept(metricPath)) return;
  const metric = ctx.options.rename?.(metricPath) ?? metricPath;
  const t = base.bt + (num(record['t']) ?? 0);
  const ts = col.checked(Math.round((Math.abs(t) < RELATIVE_LIMIT ? ctx.receivedAt / 1000 + t : t) * 1000));
  col.merge(device, ts, metric, value);
  names.set(device, deviceName);
  const unit = str(record['u']) ?? base.bu;
  if (unit !== undefined && unit !== '') {
    let u = units.get(device);
    if (!u) units.set(device, (u = {}));
    u[metricNameOf(metric)] = unit;
  }
}

/** The record's value with its base added; a sum that overflows to Infinity is no value. */
function recordValue(record: Record<string, unknown>, base: Base): number | undefined {
  const v = num(record['v']);
  if (v !== undefined) return num(v + base.bv);
  if (typeof record['vb'] === 'boolean') return record['vb'] ? 1 : 0;
  const s = num(record['s']);
  if (s !== undefined) return num(s + base.bs);
  return undefined;
}
