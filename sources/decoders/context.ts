/** What a format decoder is told about one message beside its payload. */
import type { FlattenOptions } from '../payload.ts';
import { type TsClock, UTC_AUTO } from '../time.ts';

export interface FormatContext {
  /** The Vigil device id from the topic (sanitized), or null when the payload names it. */
  readonly device: string | null;
  /** The device's original name from the topic. */
  readonly deviceName: string | null;
  /** A metric (or metric prefix for JSON) named by the topic, original spelling. */
  readonly metric: string | null;
  readonly receivedAt: number;
  readonly clock: TsClock;
  /** Where the payload keeps its timestamp (JSON path), when it has one. */
  readonly tsPath: readonly string[] | null;
  readonly options: FlattenOptions;
  /**
   * A tag or field naming the device (Telegraf's `host`): wins over the topic's device when the
   * payload has it.
   */
  readonly deviceTag: string | null;
  /** Units known from configuration, by Vigil metric name. */
  readonly units: Readonly<Record<string, string>> | null;
}

export function context(
  receivedAt: number,
  device: string | null,
  deviceName: string | null,
  more: Partial<FormatContext> = {},
): FormatContext {
  return {
    device,
    deviceName,
    metric: null,
    receivedAt,
    clock: UTC_AUTO,
    tsPath: null,
    options: {},
    deviceTag: null,
    units: null,
    ...more,
  };
}
