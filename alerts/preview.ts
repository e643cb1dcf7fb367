/**
 * What a rule would have done over stored history: the live evaluator, fed the stored readings
 * of every matching device in ts order, with its clock advanced to each reading for nodata.
 */
import { Evaluator, type Transition } from './evaluator.ts';
import { deviceMatcher, type Rule } from '../domain/rule.ts';
import type { TelemetryReader } from '../store/port.ts';

export const PREVIEW_MAX_TRANSITIONS = 10_000;

export async function previewRule(store: Pick<TelemetryReader, 'devices' | 'exportRaw'>, rule: Rule, from: number, to: number): Promise<{ transitions: Transition[]; truncated: boolean }> {
  const matches = deviceMatcher(rule.device);
  const devices = (await store.devices()).filter((d) => matches(d.id));
  const out: Transition[] = [];
  for (const device of devices) {
    const evaluator = new Evaluator([{ ...rule, enabled: true }]);
    evaluator.seen(device.id, from);
    let ts = -1;
    let values: Record<string, number> = {};
    const flush = () => {
      if (ts < 0) return;
      out.push(...evaluator.tick(ts), ...evaluator.reading({ device: device.id, ts, values }));
    };
    const metrics = rule.metric === undefined ? undefined : [rule.metric];
    // exportRaw yields one row per metric, ordered by ts: rows with one ts make one entry.
    for await (const row of store.exportRaw({ device: device.id, from, to, ...(metrics ? { metrics } : {}) })) {
      if (row.ts !== ts) {
        flush();
        ts = row.ts;
        values = Object.create(null) as Record<string, number>;
      }
      values[row.metric] = row.value;
    }
    flush();
    out.push(...evaluator.tick(to));
    if (out.length > PREVIEW_MAX_TRANSITIONS) break;
  }
  out.sort((a, b) => a.ts - b.ts || a.device.localeCompare(b.device));
  return { transitions: out.slice(0, PREVIEW_MAX_TRANSITIONS), truncated: out.length > PREVIEW_MAX_TRANSITIONS };
}
