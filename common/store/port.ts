/**
 * The store port: what ingest and the API need from a store. SQLite (embedded) and InfluxDB
 * implement it; both must give the same answers (tests/integration/store-contract).
 */
import type { Alert } from '../alerts/alert.ts';
import type { Reading, TelemetryEntry, DeviceStatus } from '../reading.ts';

export type DeviceState = 'online' | 'offline' | 'stale';

export type AlertEventKind = 'fired' | 'resolved' | 'acknowledged';

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

/** Why a write to the backend failed, as the InfluxDB store classifies it (docs/storage.md). */
export type WriteErrorClass = 'partial' | 'transient' | 'timeout' | 'permanent' | 'too_large' | 'no_database';

/**
 * Figures for /metrics. Counters only grow; gauges (`spooled*`) are the present value. Both stores
 * report the same shape so /metrics need not know which one runs.
 */
export interface StoreStats {
  /** Readings (one metric value each) made durable and not yet confirmed by the backend: the InfluxDB spool; always 0 for SQLite. */
  readonly unackedReadings: number;
  /** Spool rows waiting (one per entry or status change); 0 for SQLite. */
  readonly spooledRows: number;
  /** Readings the backend confirmed (SQLite: committed; InfluxDB: answered 204), duplicates included. */
  readonly readingsWritten: number;
  /** Readings older than RETENTION when they arrived: not stored (they would be deleted at once). */
  readonly droppedOutsideRetention: number;
  /** Lines the backend refused for good, as it counted them (InfluxDB partial writes: type conflicts, beyond its RP). */
  readonly droppedByBackend: number;
  readonly writeErrors: Readonly<Record<WriteErrorClass, number>>;
  /** Backend write requests (InfluxDB) or transactions (SQLite) and their wall time. */
  readonly writeLatency: { readonly count: number; readonly sumMs: number; readonly maxMs: number };
  /** Set while the backend refuses writes for a reason retrying will not fix (bad credentials, missing RP). */
  readonly blockedBy: string | null;
}

export interface TelemetryStore {
  readonly kind: 'sqlite' | 'influx';
  /**
   * Stores entries durably; a reading already stored (same device, metric, ts) is stored once.
   * Readings older than the retention window are dropped (counted in stats()). With InfluxDB the
   * entries are durable in the local spool when this resolves and readable after flush().
   */
  writeReadings(entries: readonly TelemetryEntry[], receivedAt: number): Promise<void>;
  recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void>;
  /**
   * Keeps an alert transition beside the telemetry where the backend has a place for it
   * (InfluxDB measurement `alerts`). The alert itself lives in the alert store in both modes.
   */
  recordAlertEvent(alert: Alert, event: AlertEventKind, ts: number): void;
  devices(): Promise<DeviceRecord[]>;
  device(id: string): Promise<DeviceRecord | undefined>;
  history(query: HistoryQuery): Promise<HistorySeries>;
  /** Raw readings ordered by ts then metric, streamed in pages. */
  exportRaw(query: RawQuery): AsyncIterable<Reading>;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /**
   * Resolves once everything written before the call is readable (SQLite: at once; InfluxDB: the
   * spool has been drained past it). Rejects after timeoutMs if given.
   */
  flush(timeoutMs?: number): Promise<void>;
  stats(): StoreStats;
  close(): Promise<void>;
}

/**
 * A sink that has made entries durable when appendSync returns, so ingest can acknowledge
 * QoS 1 right after it (mqtt.js handles one packet at a time; see docs/ingest.md).
 */
export interface DurableSink {
  /**
   * Throws when the entries could not be made durable (disk error, spool full); ingest then holds
   * the message and retries with backoff, which is the backpressure on the broker.
   */
  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void;
}
