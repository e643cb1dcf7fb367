import type { TelemetryEntry } from './reading.ts';
import type { DeviceRegistryEntry, DeviceState } from './devices.ts';

/**
 * What ingest tells the API processes, and what the API streams to browsers. An event for a
 * registry change (PUT /api/devices/:id, or a newly discovered name or unit) also carries the
 * device's registry entry as shown, with its current status.
 */
export interface DeviceEvent extends Partial<DeviceRegistryEntry> {
  readonly device: string;
  readonly status: DeviceState;
  readonly ts: number;
}

export interface RejectedMessage {
  readonly ts: number;
  readonly topic: string;
  readonly device: string | null;
  readonly reason: string;
  /** The payload as text, cut to 1 KiB. */
  readonly payload: string;
}

export type ReadingEvent = TelemetryEntry;

export const REJECTED_PAYLOAD_LIMIT = 1024;
