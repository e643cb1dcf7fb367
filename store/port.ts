/**
 * The store port, in two halves: what the API reads (TelemetryReader) and what ingest writes
 * (TelemetryWriter, whose DurableSink is what QoS 1 is acknowledged after). SQLite (embedded),
 * InfluxDB and the in-memory store (tests) implement both, and must give the same answers
 * (tests/contract/store-contract.ts).
 */
import type { Alert } from '../domain/alert.ts';
import type { DeviceRecord } from '../domain/devices.ts';
import type { Reading, TelemetryEntry, DeviceStatus } from '../domain/reading.ts';

export type { DeviceRecord, DeviceState, LatestValue } from '../domain/devices.ts';
export type { StoreStats, WriteErrorClass } from '../bus/ingest-stats.ts';
import type { StoreStats } from '../bus/ingest-stats.ts';

export type AlertEventKind = 'fired' | 'resolved' | 'acknowledged';

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

/**
 * What the API (and the alerter, and rule preview) read: the device registry with latest values,
 * history buckets, the raw export, health and counters. Nothing here changes stored data.
 */
export interface TelemetryReader {
  readonly kind: 'sqlite' | 'influx' | 'memory';
  devices(): Promise<DeviceRecord[]>;
  device(id: string): Promise<DeviceRecord | undefined>;
  history(query: HistoryQuery): Promise<HistorySeries>;
  /** Raw readings ordered by ts then metric, streamed in pages. */
  exportRaw(query: RawQuery): AsyncIterable<Reading>;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  stats(): StoreStats;
}

/**
 * A sink that has made entries durable when appendSync returns, so ingest can acknowledge
 * QoS 1 right after it (mqtt.js handles one packet at a time; see docs/ingest.md).
 */
export interface DurableSink {
  /**
   * Stores entries durably; a reading already stored (same device, metric, ts) is stored once.
   * Readings older than the retention window are dropped (counted in stats()). With InfluxDB the
   * entries are durable in the local spool when this returns and readable after flush().
   *
   * Throws when the entries could not be made durable (disk error, spool full); ingest then holds
   * the message and retries with backoff, which is the backpressure on the broker.
   */
  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void;
}

/**
 * Keeps an alert transition beside the telemetry where the backend has a place for it
 * (InfluxDB measurement `alerts`). The alert itself lives in the alert store in both modes.
 * Written by the alerter (fired, resolved) and by the API (acknowledged).
 */
export interface AlertEventSink {
  recordAlertEvent(alert: Alert, event: AlertEventKind, ts: number): void;
}

/** What ingest writes. */
export interface TelemetryWriter extends DurableSink, AlertEventSink {
  recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void>;
  /**
   * Resolves once everything written before the call is readable (SQLite: at once; InfluxDB: the
   * spool has been drained past it). Rejects after timeoutMs if given.
   */
  flush(timeoutMs?: number): Promise<void>;
  /**
   * Brings long-range summaries up to date with what flush() made readable, without waiting
   * for them to settle (InfluxDB's telemetry_1m; SQLite keeps its rollups as it writes). Tests
   * and the benchmark; history answers the same before and after.
   */
  rollupNow(): Promise<void>;
}

/** A whole store, as openStore returns it: both halves, and close() for whoever opened it. */
export interface TelemetryStore extends TelemetryReader, TelemetryWriter {
  close(): Promise<void>;
}
