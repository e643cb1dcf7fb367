/**
 * Device topics (`{prefix}/{deviceId}/telemetry|status`). Vigil's own topics (vigil/…) live in
 * bus/ (bus/topics.ts names them).
 */
import { isDeviceId } from './reading.ts';

export type DeviceTopic =
  | { readonly ok: true; readonly kind: 'telemetry' | 'status'; readonly device: string }
  | { readonly ok: false; readonly reason: 'bad_topic' | 'bad_device_id'; readonly device: string | undefined; readonly detail: string };

export function deviceTopicFilters(prefix: string): { telemetry: string; status: string } {
  return { telemetry: `${prefix}/+/telemetry`, status: `${prefix}/+/status` };
}

export function telemetryTopic(prefix: string, device: string): string {
  return `${prefix}/${device}/telemetry`;
}

export function statusTopic(prefix: string, device: string): string {
  return `${prefix}/${device}/status`;
}

export function parseDeviceTopic(prefix: string, topic: string): DeviceTopic {
  if (!topic.startsWith(`${prefix}/`))
    return { ok: false, reason: 'bad_topic', device: undefined, detail: `topic is not under ${prefix}/` };
  const rest = topic.slice(prefix.length + 1).split('/');
  const [device, kind] = rest;
  if (rest.length !== 2 || device === undefined || (kind !== 'telemetry' && kind !== 'status')) {
    return { ok: false, reason: 'bad_topic', device, detail: `expected ${prefix}/{deviceId}/telemetry or /status` };
  }
  if (!isDeviceId(device))
    return { ok: false, reason: 'bad_device_id', device, detail: `device id ${JSON.stringify(device.slice(0, 80))} is not allowed` };
  return { ok: true, kind, device };
}
