/**
 * The Things Stack v3 uplink (`v3/{app}/devices/{device}/up`): the values are the numeric leaves
 * of `uplink_message.decoded_payload` (what the application's payload formatter produced); the
 * time is `received_at` (ISO-8601 with nanoseconds), else `uplink_message.received_at`; the
 * device is `end_device_ids.device_id`, else the topic's.
 */
import { deviceIdFor } from '../identity.ts';
import { Collector, flatten, isObject, newFlatOut, readJson, rejected } from '../payload.ts';
import { UTC_AUTO } from '../time.ts';
import type { Decoded } from '../types.ts';
import type { FormatContext } from './context.ts';

export function decodeTtn(payload: Uint8Array, ctx: FormatContext): Decoded {
  const json = readJson(payload, ctx.device);
  if ('kind' in json) return json;
  const doc = json.doc;
  if (!isObject(doc)) return rejected(ctx.device, 'wrong_shape', 'a TTN uplink is a JSON object');
  const ids = doc['end_device_ids'];
  const idName = isObject(ids) && typeof ids['device_id'] === 'string' && ids['device_id'] !== '' ? ids['device_id'] : null;
  const name = idName ?? ctx.deviceName;
  if (name === null) return rejected(null, 'bad_device_id', 'no end_device_ids.device_id and no device in the topic');
  const device = idName === null ? (ctx.device ?? deviceIdFor(name)) : deviceIdFor(idName);
  const uplink = doc['uplink_message'];
  if (!isObject(uplink)) return rejected(device, 'wrong_shape', 'no uplink_message');
  const decoded = uplink['decoded_payload'];
  if (!isObject(decoded))
    return rejected(device, 'no_values', 'no uplink_message.decoded_payload (does the application have a payload formatter?)');
  const col = new Collector(ctx.receivedAt);
  const out = newFlatOut();
  flatten(decoded, '', out, ctx.options);
  const at = doc['received_at'] ?? uplink['received_at'];
  col.add(device, col.time(at, UTC_AUTO), out);
  col.describe(device, name, ctx.units ?? undefined);
  return col.result(device, 'decoded_payload has no numeric values');
}
