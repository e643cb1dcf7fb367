/**
 * The store port: what ingest and the API need from a store. SQLite (embedded) and InfluxDB
 * implement it; both must give the same answers (tests/integration/store-contract).
 */
import type { Reading, TelemetryEntry, DeviceStatus } from '../reading.ts';

export type DeviceState = 'online' | 'offline' | 'stale';

export interface LatestValue {
  readonly value: number;
  readonly ts: number;
}

/** What the store knows of a device; its shown state is derived with deviceState(). */
export interface DeviceRecord {
  readonly id: string;
  /** The last status the device published on its status topic, if any. */
  readonly reported: DeviceStatus | null;
  readonly reportedAt: number | null;
  /** When ingest last received telemetry from it (receive time, so device clock skew cannot fake liveness). */
  readonly lastSeen: number | null;
  readonly values: Readonly<Record<string, LatestValue>>;
}

export interface HistoryQuery {
  readonly device: string;
  readonly from: number;
  readonly to: number;
  /** Empty or absent: every metric of the device. */
  readonly metrics?: readonly string[];
  /** Bucket width in ms; buckets start at multiples of it since the epoch (as InfluxDB's GROUP BY time()). */
  readonly step: number;
}

/** [bucketStart, mean, min, max] */
export type Bucket = readonly [number, number, number, number];

export type HistorySeries = Readonly<Record<string, readonly Bucket[]>>;

export interface RawQuery {
  readonly device: string;
  readonly from: number;
  readonly to: number;
  readonly metrics?: readonly string[];
}

export interface TelemetryStore {
  readonly kind: 'sqlite' | 'influx';
  /** Stores entries; a reading already stored (same device, metric, ts) is stored once. */
  writeReadings(entries: readonly TelemetryEntry[], receivedAt: number): Promise<void>;
  recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void>;
  devices(): Promise<DeviceRecord[]>;
  device(id: string): Promise<DeviceRecord | undefined>;
  history(query: HistoryQuery): Promise<HistorySeries>;
  /** Raw readings ordered by ts then metric, streamed in pages. */
  exportRaw(query: RawQuery): AsyncIterable<Reading>;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A sink that has made entries durable when appendSync returns, so ingest can acknowledge
 * QoS 1 right after it (mqtt.js handles one packet at a time; see docs/ingest.md).
 */
export interface DurableSink {
  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void;
}
