/**
 * How a simulated device speaks: its topics, payloads, status and last will in one ecosystem's
 * form (SPEC "Device sources" presets). A format is pure: it turns samples into messages and
 * never touches the connection, so each one is unit-tested on its own.
 */
import type { Entry } from '../device.ts';

export const FORMAT_NAMES = ['vigil', 'tasmota', 'zigbee2mqtt', 'esphome', 'shelly', 'homeassistant', 'telegraf', 'senml', 'ttn'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface OutMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Kept by the broker for new subscribers (ESPHome states, discovery configs). */
  readonly retain?: boolean;
}

/** A device's presence in its ecosystem's words: `online` published retained on connect, `offline` its last will. */
export interface StatusForm {
  readonly topic: string;
  readonly online: Buffer;
  readonly offline: Buffer;
}

export interface FormatDevice {
  readonly id: string;
  readonly index: number;
  readonly metrics: readonly string[];
}

export interface DeviceFormat {
  /** Undefined when the ecosystem has no presence topic (Telegraf, SenML, TTN): no will, no `online`. */
  readonly status: StatusForm | undefined;
  /** Published (before `online`) on every connect: Home Assistant discovery, the Zigbee2MQTT bridge state. */
  readonly announce: readonly OutMessage[];
  /**
   * One report: the samples of one turn (--batch of them when the format batches, else one) as the
   * messages this ecosystem sends for it. Several messages for one sample are still one report.
   */
  report(entries: readonly Entry[]): OutMessage[];
}

export interface Format {
  readonly name: FormatName;
  /** Whether --batch packs several samples into one message; formats that do not take one sample per report. */
  readonly batches: boolean;
  /** An upper bound on one sample's bytes inside a batch message (formats that batch, other than vigil). */
  readonly entryBytes?: (metrics: readonly string[]) => number;
  device(device: FormatDevice, options: { readonly prefix: string }): DeviceFormat;
}

export const text = (s: string): Buffer => Buffer.from(s);
export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** The longest text a value takes ("-1234.567"), with room to spare. */
export const VALUE_CHARS = 12;

/** Rounds as a device would print a reading (sensor resolution), dropping float noise like 21.499999. */
export function rounded(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** "temperature" -> "Temperature", "co2_level" -> "Co2Level": the capitalised keys Tasmota and others use. */
export function pascal(metric: string): string {
  return metric
    .split(/[_.]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** A device-local wall time without a zone (Tasmota's `Time`), for a device whose clock is set to `offsetMin` from UTC. */
export function localTime(ts: number, offsetMin = 0): string {
  return new Date(ts + offsetMin * 60_000).toISOString().slice(0, 19);
}
