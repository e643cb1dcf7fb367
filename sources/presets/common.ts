/** Pieces the presets share: status results, the retained-message rule, unit tables. */
import type { DeviceStatus } from '../../domain/reading.ts';
import { deviceIdFor } from '../identity.ts';
import type { Decoded, DeviceMeta, TopicClaim } from '../types.ts';

/**
 * First topic levels that belong to a known ecosystem: the presets whose topics start with the
 * device (Shelly Gen2, ESPHome) never take them, even when that ecosystem's preset is disabled,
 * so `homeassistant/status` (Home Assistant's birth message) is never a device called homeassistant.
 */
export const RESERVED_FIRST_LEVELS: ReadonlySet<string> = new Set([
  'homeassistant',
  'zigbee2mqtt',
  'tele',
  'stat',
  'cmnd',
  'tasmota',
  'telegraf',
  'senml',
  'v3',
  'shellies',
  'vigil',
  'esphome',
]);

/** A device id with its original name when the two differ. */
export interface Who {
  readonly id: string;
  readonly meta: readonly DeviceMeta[];
}

const NO_META: readonly DeviceMeta[] = [];

export function who(original: string): Who {
  const id = deviceIdFor(original);
  return { id, meta: id === original ? NO_META : [{ device: id, name: original }] };
}

/** A topic that names its device: every message on it is stored under that device's id. */
export function ownedBy(original: string): TopicClaim {
  return { device: deviceIdFor(original) };
}

/** A topic whose device the payload names, or a bridge's own topic: only the source's gateways publish there. */
export const GATEWAY_ONLY: TopicClaim = { device: null };

/**
 * A status message. A retained `online` is ignored as the vigil source does: it says when the
 * device last announced itself, not that it is alive now.
 */
export function status(device: Who, value: DeviceStatus, retain: boolean): Decoded {
  if (retain && value === 'online') return { kind: 'ignored', why: 'retained' };
  return { kind: 'status', device: device.id, status: value, meta: device.meta };
}

/**
 * Retained readings are ignored, as in the vigil source: a replayed reading without its own time
 * would be stored again at receive time, and would make a dead device look alive.
 */
export const RETAINED: Decoded = { kind: 'ignored', why: 'retained' };

/** Last path components by metric name: the same few names come in every message. */
const leaves = new Map<string, string>();

function leafOf(metric: string): string {
  let leaf = leaves.get(metric);
  if (leaf === undefined) {
    const dot = metric.lastIndexOf('.');
    leaf = dot < 0 ? metric : metric.slice(dot + 1);
    if (leaves.size >= 4096) leaves.clear();
    leaves.set(metric, leaf);
  }
  return leaf;
}

/** Units by a metric's last path component, from a small table. */
export function unitsByLeaf(values: Readonly<Record<string, number>>, table: Readonly<Record<string, string>>): Record<string, string> {
  const units: Record<string, string> = {};
  for (const metric in values) {
    const unit = table[leafOf(metric)];
    if (unit !== undefined) units[metric] = unit;
  }
  return units;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** A short payload as trimmed text (status words); null when it is too long to be one. */
export function shortText(payload: Uint8Array): string | null {
  if (payload.byteLength > 64) return null;
  return textDecoder.decode(payload).trim();
}
