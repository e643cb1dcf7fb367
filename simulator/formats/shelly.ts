/**
 * Shelly Gen2+ (Plus/Pro): RPC notifications on {id}/events/rpc, a NotifyStatus frame whose
 * params hold `ts` (Unix seconds) and each changed component by its `type:id` key
 * (temperature:0 {tC,tF}, humidity:0 {rh}, devicepower:0 {battery:{V,percent}}, switch:0 with
 * voltage and power, virtual number:200.. {value} for the rest); {id}/online `true`/`false`
 * retained, the device's will. Gen1 (shellies/...) is not simulated. --batch does not apply.
 */
import type { Entry } from '../device.ts';
import { json, rounded, text, type Format } from './format.ts';

type Components = Record<string, Record<string, unknown>>;

/** The components a Shelly would report these values in. */
export function components(values: Entry['values']): Components {
  const out: Components = {};
  let virtual = 200;
  for (const [metric, value] of Object.entries(values)) {
    if (metric === 'temperature') out['temperature:0'] = { id: 0, tC: rounded(value, 1), tF: rounded((value * 9) / 5 + 32, 1) };
    else if (metric === 'humidity') out['humidity:0'] = { id: 0, rh: rounded(value, 1) };
    else if (metric === 'battery')
      out['devicepower:0'] = {
        id: 0,
        battery: { V: rounded(3 + value / 50, 2), percent: Math.round(value) },
        external: { present: false },
      };
    else if (metric === 'voltage') {
      const sw = (out['switch:0'] ??= { id: 0, source: 'init', output: true });
      sw['voltage'] = rounded(value, 1);
    } else if (metric === 'power') {
      const sw = (out['switch:0'] ??= { id: 0, source: 'init', output: true });
      sw['apower'] = rounded(value, 1);
    } else {
      out[`number:${virtual}`] = { id: virtual, value: rounded(value, 2) };
      virtual++;
    }
  }
  return out;
}

export const shelly: Format = {
  name: 'shelly',
  batches: false,
  device({ id }) {
    return {
      status: { topic: `${id}/online`, online: text('true'), offline: text('false') },
      announce: [],
      report(entries) {
        const entry = entries[entries.length - 1]!;
        const frame = {
          src: id,
          dst: `${id}/events`,
          method: 'NotifyStatus',
          params: { ts: rounded(entry.ts / 1000, 2), ...components(entry.values) },
        };
        return [{ topic: `${id}/events/rpc`, payload: json(frame) }];
      },
    };
  },
};
