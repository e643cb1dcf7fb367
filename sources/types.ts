/**
 * A device source maps MQTT topics and payload formats to Vigil's devices, readings, units and
 * status (SPEC "Device sources"). The native format is the source `vigil`; presets and custom
 * sources from SOURCES_FILE implement the same interface. Decoders return results and never
 * throw on any input: every message is a stranger's.
 */
import type { DeviceMeta } from '../domain/devices.ts';
import type { DeviceStatus, RejectReason, TelemetryEntry } from '../domain/reading.ts';

export interface SourceMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** A retained message replayed on subscribe, not a live publish. */
  readonly retain: boolean;
  readonly receivedAt: number;
}

export type { DeviceMeta } from '../domain/devices.ts';

export type Decoded =
  | {
      readonly kind: 'readings';
      readonly entries: readonly TelemetryEntry[];
      readonly meta: readonly DeviceMeta[];
      /** Strings, nulls and arrays left out (SPEC `skipped_fields`). */
      readonly skippedFields: number;
      /** Timestamps outside the accepted window replaced by the receive time. */
      readonly tsFallbacks: number;
    }
  | { readonly kind: 'status'; readonly device: string; readonly status: DeviceStatus; readonly meta: readonly DeviceMeta[] }
  /**
   * The message configured the source (Home Assistant discovery): nothing to store. `subscribe`
   * lists MQTT filters the source now needs (a state topic a discovery message named).
   */
  | { readonly kind: 'configured'; readonly subscribe: readonly string[]; readonly meta: readonly DeviceMeta[] }
  /** The source's own topic, deliberately not stored (bridge chatter, retained replays). */
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'rejected'; readonly device: string | null; readonly reason: RejectReason; readonly detail: string };

/**
 * Who a topic belongs to, from the topic alone (the embedded broker's access rule, broker/access.ts):
 * `device` is the Vigil id (after identity.ts's mapping) that every message on the topic is stored
 * under; null when the payload may name the device (Telegraf's `host` tag, TTN's `end_device_ids`)
 * or the topic is a bridge's own (`zigbee2mqtt/bridge/…`): then only a gateway of this source may
 * publish there.
 */
export interface TopicClaim {
  readonly device: string | null;
}

/** A claim with the source that made it. */
export interface SourceClaim extends TopicClaim {
  readonly source: string;
}

export interface Source {
  readonly name: string;
  /** MQTT filters this source needs, with any configured prefix applied. */
  readonly filters: readonly string[];
  /**
   * The first topic levels this source can ever claim (`tele` for Tasmota), so the router asks it
   * only about those topics; absent when it can claim any topic (device-first layouts, state
   * topics named at run time, custom patterns). decode() must return undefined for every other.
   */
  readonly firstLevels?: readonly string[];
  /**
   * undefined: not this source's topic (the router asks the next source). Otherwise the outcome;
   * it must not throw.
   */
  decode(message: SourceMessage): Decoded | undefined;
  /**
   * undefined: decode() never takes this topic. Otherwise whose it is (TopicClaim). Pure, from the
   * topic only; a source without claim() opens its topics to no signed-in device (only anonymous ones).
   */
  claim?(topic: string): TopicClaim | undefined;
}
