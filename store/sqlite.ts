/**
 * The embedded store: one SQLite file in WAL mode. Writes are synchronous and committed before
 * they return, which is what lets ingest acknowledge QoS 1 right after them (DurableSink).
 * Readers in other processes (an API started alone) open the same file; WAL keeps them from
 * blocking the writer. One-minute rollups are kept in the same transaction as the readings
 * (sqlite-history.ts) and expired data is deleted in small chunks (sqlite-retention.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DeviceStatus, Reading, TelemetryEntry } from '../domain/reading.ts';
import { ROLLUP_MS } from './buckets.ts';
import type { Bucket, DeviceRecord, HistoryQuery, HistorySeries, LatestValue, RawQuery, StoreStats, TelemetryStore } from './port.ts';
import { RetentionWindow } from './retention.ts';
import { exportReadings, prepareExportPage } from './sqlite-export.ts';
import { SqliteHistory, type HistoryReads } from './sqlite-history.ts';
import { SqliteRetention, type PruneResult } from './sqlite-retention.ts';
import { migrate } from './sqlite-schema.ts';
import { DerivedState } from './sqlite-derived.ts';
import { StatsRecorder } from './stats.ts';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly readonly?: boolean;
  /** RETENTION; undefined keeps everything. */
  readonly retentionMs?: number;
  /** How often expired data is deleted; 0 turns the timer off (tests call prune()). Default 60 s. */
  readonly pruneEveryMs?: number;
  readonly now?: () => number;
  /** How often pending latest values and last_seen are written (store/sqlite-derived.ts). Default 500 ms. */
  readonly derivedFlushMs?: number;
}

/** After a kill -9, latest values and last_seen lag by at most this (plus one flush). */
export const DERIVED_FLUSH_MS = 500;

interface DeviceRow {
  id: string;
  reported: DeviceStatus | null;
  reported_at: number | null;
  last_seen: number | null;
}

interface LatestRow {
  device: string;
  metric: string;
  ts: number;
  value: number;
}

export class SqliteStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly writeBatch: (entries: readonly TelemetryEntry[], receivedAt: number, cutoff: number) => number;
  private readonly statements;
  private readonly historyReader: SqliteHistory;
  private readonly retention: SqliteRetention;
  private readonly window: RetentionWindow;
  private readonly recorder = new StatsRecorder();
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private readonly derived: DerivedState;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly readonly: boolean;

  constructor(options: SqliteStoreOptions) {
    const now = options.now ?? Date.now;
    this.window = new RetentionWindow(options.retentionMs, now);
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path, { timeout: 5_000 });
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a crash of this process (kill -9); only an OS crash
    // or power cut can lose the last commits, which is the usual trade for ingest throughput.
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db);

    const insertReading = this.db.prepare<[string, string, number, number]>(
      'INSERT INTO readings (device, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    // Only after insertReading changed a row: a redelivered reading must not be counted twice.
    const addToRollup = this.db.prepare<[string, string, number, number, number, number]>(
      `INSERT INTO rollup_1m (device, metric, minute, n, total, lo, hi) VALUES (?, ?, ?, 1, ?, ?, ?)
       ON CONFLICT (device, metric, minute) DO UPDATE SET
         n = rollup_1m.n + 1, total = rollup_1m.total + excluded.total,
         lo = min(rollup_1m.lo, excluded.lo), hi = max(rollup_1m.hi, excluded.hi)`,
    );
    this.statements = {
      setStatus: this.db.prepare<[string, DeviceStatus, number, number]>(
        `INSERT INTO devices (id, reported, reported_at, first_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET reported = excluded.reported, reported_at = excluded.reported_at
         WHERE devices.reported_at IS NULL OR excluded.reported_at >= devices.reported_at`,
      ),
      devices: this.db.prepare<[], DeviceRow>('SELECT id, reported, reported_at, last_seen FROM devices ORDER BY id'),
      device: this.db.prepare<[string], DeviceRow>('SELECT id, reported, reported_at, last_seen FROM devices WHERE id = ?'),
      allLatest: this.db.prepare<[], LatestRow>('SELECT device, metric, ts, value FROM latest ORDER BY device, metric'),
      deviceLatest: this.db.prepare<[string], LatestRow>('SELECT device, metric, ts, value FROM latest WHERE device = ? ORDER BY metric'),
      deviceMetrics: this.db.prepare<[string], { metric: string }>('SELECT metric FROM latest WHERE device = ? ORDER BY metric'),
      exportPage: prepareExportPage(this.db),
    };

    this.derived = new DerivedState(this.db, now);
    this.derived.open(!options.readonly);
    const derived = this.derived;
    /** Returns how many readings were older than the retention window and skipped. */
    this.writeBatch = this.db.transaction((entries: readonly TelemetryEntry[], receivedAt: number, cutoff: number): number => {
      let expired = 0;
      for (const entry of entries) {
        if (entry.ts < cutoff) {
          for (const _ in entry.values) expired++;
          derived.insertNew(entry.device, undefined, entry.ts, 0, receivedAt);
          continue;
        }
        const minute = entry.ts - (entry.ts % ROLLUP_MS);
        for (const metric in entry.values) {
          const value = entry.values[metric]!;
          if (insertReading.run(entry.device, metric, entry.ts, value).changes > 0) {
            addToRollup.run(entry.device, metric, minute, value, value, value);
          }
          derived.insertNew(entry.device, metric, entry.ts, value, receivedAt);
        }
      }
      return expired;
    });
    this.historyReader = new SqliteHistory(this.db);
    this.retention = new SqliteRetention(this.db);
    this.readonly = options.readonly === true;
    this.flushTimer = setInterval(() => this.flushDerived(), options.derivedFlushMs ?? DERIVED_FLUSH_MS);
    this.flushTimer.unref();
    const every = options.pruneEveryMs ?? 60_000;
    if (options.retentionMs !== undefined && every > 0 && !options.readonly) {
      this.pruneTimer = setInterval(() => void this.prune().catch(() => undefined), every);
      this.pruneTimer.unref();
    }
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(options);
  }

  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void {
    const started = performance.now();
    const cutoff = this.window.cutoff();
    const expired = this.writeBatch(entries, receivedAt, cutoff);
    this.recorder.timed(performance.now() - started);
    // Committed: the derived rows follow in the next flush.
    let readings = 0;
    for (const entry of entries) {
      if (entry.ts < cutoff) {
        this.derived.noteCommitted(entry.device, undefined, entry.ts, 0, receivedAt);
        for (const _ in entry.values) readings++;
        continue;
      }
      for (const metric in entry.values) {
        readings++;
        this.derived.noteCommitted(entry.device, metric, entry.ts, entry.values[metric]!, receivedAt);
      }
    }
    this.recorder.readingsWritten += readings - expired;
    this.recorder.droppedOutsideRetention += expired;
  }

  async recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void> {
    this.statements.setStatus.run(device, status, ts, ts);
  }

  /** Alerts already live in this file (alerts/alert-store.ts): nothing more to keep. */
  recordAlertEvent(): void {}

  async devices(): Promise<DeviceRecord[]> {
    this.flushDerived();
    const latest = groupLatest(this.statements.allLatest.all());
    return this.statements.devices.all().map((row) => toRecord(row, latest.get(row.id)));
  }

  async device(id: string): Promise<DeviceRecord | undefined> {
    this.flushDerived();
    const row = this.statements.device.get(id);
    if (!row) return undefined;
    return toRecord(row, groupLatest(this.statements.deviceLatest.all(id)).get(id));
  }

  async history(query: HistoryQuery): Promise<HistorySeries> {
    return this.historyFrom(query, true);
  }

  /** The same answer from raw readings only: what the rollups are compared against. */
  async rawHistory(query: HistoryQuery): Promise<HistorySeries> {
    return this.historyFrom(query, false);
  }

  private historyFrom(query: HistoryQuery, useRollups: boolean): HistorySeries {
    const metrics = query.metrics?.length ? query.metrics : this.statements.deviceMetrics.all(query.device).map((r) => r.metric);
    const from = this.window.clampFrom(query.from);
    const series: Record<string, Bucket[]> = Object.create(null) as Record<string, Bucket[]>;
    for (const metric of metrics) {
      series[metric] = this.historyReader.buckets(query.device, metric, from, query.to, query.step, useRollups);
    }
    return series;
  }

  /** Rows read by history queries so far, raw and from rollups. */
  historyReads(): HistoryReads {
    return { ...this.historyReader.reads };
  }

  /** Deletes what is older than the retention window now (also runs every pruneEveryMs). */
  async prune(): Promise<PruneResult> {
    if (this.window.retentionMs === undefined || !this.db.open) return { readings: 0, rollups: 0 };
    return this.retention.prune(this.window.cutoff());
  }

  async *exportRaw(query: RawQuery): AsyncIterable<Reading> {
    const metrics = query.metrics?.length ? query.metrics : this.statements.deviceMetrics.all(query.device).map((r) => r.metric);
    yield* exportReadings(
      this.statements.exportPage,
      () => this.db.open,
      query.device,
      metrics,
      this.window.clampFrom(query.from),
      query.to,
    );
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  /** Readings are committed when appendSync returns; this writes the pending latest values and last_seen. */
  async flush(): Promise<void> {
    this.derived.flush();
  }

  /**
   * Before a read of latest values or last_seen: read-your-writes in this process. A failed
   * flush (the file busy) keeps the updates pending; the read then answers from the last flush.
   */
  private flushDerived(): void {
    if (!this.derived.pending) return;
    try {
      this.derived.flush();
    } catch {
      // Retried by the next read or the timer.
    }
  }

  /** Rollups (SQLite) are kept in the write transaction: nothing to catch up. */
  async rollupNow(): Promise<void> {}

  stats(): StoreStats {
    return this.recorder.snapshot();
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    clearInterval(this.flushTimer);
    if (this.db.open) {
      if (!this.readonly) this.derived.close();
      this.db.close();
    }
  }
}

function groupLatest(rows: readonly LatestRow[]): Map<string, Record<string, LatestValue>> {
  const byDevice = new Map<string, Record<string, LatestValue>>();
  for (const row of rows) {
    let values = byDevice.get(row.device);
    if (!values) {
      values = Object.create(null) as Record<string, LatestValue>;
      byDevice.set(row.device, values);
    }
    values[row.metric] = { value: row.value, ts: row.ts };
  }
  return byDevice;
}

function toRecord(row: DeviceRow, values: Record<string, LatestValue> | undefined): DeviceRecord {
  return {
    id: row.id,
    reported: row.reported,
    reportedAt: row.reported_at,
    lastSeen: row.last_seen,
    values: values ?? (Object.create(null) as Record<string, LatestValue>),
  };
}
