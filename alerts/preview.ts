/**
 * What a rule would have done over stored history: the live evaluator, fed the stored readings
 * of every matching device in ts order, with its clock advanced to each reading for nodata.
 *
 * Bounded and polite: the work (matching devices × days of range) is capped before anything is
 * read, the readings read are capped while it runs, and the loop yields to the event loop every
 * few milliseconds, so previews of 10,000 devices never keep health checks, ingest acks or the
 * live stream waiting.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Evaluator, type Transition } from './evaluator.ts';
import { deviceMatcher, type Rule } from '../domain/rule.ts';
import type { TelemetryReader } from '../store/port.ts';

export const PREVIEW_MAX_TRANSITIONS = 10_000;
/** Devices one preview may evaluate. */
export const PREVIEW_MAX_DEVICES = 10_000;
/** Devices × days of range: 10,000 devices for a week, or 2,258 for the longest range of 31 days. */
export const PREVIEW_MAX_DEVICE_DAYS = 70_000;
/** Stored readings (one metric value each) read in one preview; past it the result is truncated. */
export const PREVIEW_MAX_READINGS = 5_000_000;
/** Longest stretch of work between two turns of the event loop. */
const SLICE_MS = 5;

export type PreviewPlan = { ok: true; devices: string[] } | { ok: false; devices: number; message: string };

/** Which devices a preview would evaluate, or why it is too much work to do at all. */
export async function planPreview(store: Pick<TelemetryReader, 'devices'>, rule: Rule, from: number, to: number): Promise<PreviewPlan> {
  const matches = deviceMatcher(rule.device);
  const devices = (await store.devices()).filter((d) => matches(d.id)).map((d) => d.id);
  const days = Math.max(1, (to - from) / 86_400_000);
  if (devices.length > PREVIEW_MAX_DEVICES) {
    return {
      ok: false,
      devices: devices.length,
      message: `the device pattern matches ${devices.length} devices; a preview takes at most ${PREVIEW_MAX_DEVICES}: narrow the device glob`,
    };
  }
  if (devices.length * days > PREVIEW_MAX_DEVICE_DAYS) {
    const maxDays = Math.floor(PREVIEW_MAX_DEVICE_DAYS / devices.length);
    return {
      ok: false,
      devices: devices.length,
      message: `${devices.length} devices over ${days.toFixed(1)} days is too much to preview (at most ${PREVIEW_MAX_DEVICE_DAYS} device-days): shorten the range to ${maxDays} days or narrow the device glob`,
    };
  }
  return { ok: true, devices };
}

export interface PreviewResult {
  transitions: Transition[];
  /** More transitions than PREVIEW_MAX_TRANSITIONS, or more readings than PREVIEW_MAX_READINGS. */
  truncated: boolean;
}

export async function previewRule(
  store: Pick<TelemetryReader, 'devices' | 'exportRaw'>,
  rule: Rule,
  from: number,
  to: number,
  devices?: readonly string[],
): Promise<PreviewResult> {
  const ids = devices ?? (await store.devices()).filter((d) => deviceMatcher(rule.device)(d.id)).map((d) => d.id);
  const out: Transition[] = [];
  let readings = 0;
  let truncated = false;
  let sliceStart = performance.now();
  const breathe = async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await yieldToLoop();
    sliceStart = performance.now();
  };
  for (const device of ids) {
    const evaluator = new Evaluator([{ ...rule, enabled: true }]);
    evaluator.seen(device, from);
    let ts = -1;
    let values: Record<string, number> = {};
    const flush = () => {
      if (ts < 0) return;
      out.push(...evaluator.tick(ts), ...evaluator.reading({ device, ts, values }));
    };
    const metrics = rule.metric === undefined ? undefined : [rule.metric];
    // exportRaw yields one row per metric, ordered by ts: rows with one ts make one entry.
    for await (const row of store.exportRaw({ device, from, to, ...(metrics ? { metrics } : {}) })) {
      if (++readings > PREVIEW_MAX_READINGS) {
        truncated = true;
        break;
      }
      if (row.ts !== ts) {
        flush();
        ts = row.ts;
        values = Object.create(null) as Record<string, number>;
        if ((readings & 255) === 0) await breathe();
      }
      values[row.metric] = row.value;
    }
    flush();
    if (truncated) break;
    out.push(...evaluator.tick(to));
    if (out.length > PREVIEW_MAX_TRANSITIONS) break;
    await breathe();
  }
  out.sort((a, b) => a.ts - b.ts || a.device.localeCompare(b.device));
  return { transitions: out.slice(0, PREVIEW_MAX_TRANSITIONS), truncated: truncated || out.length > PREVIEW_MAX_TRANSITIONS };
}
