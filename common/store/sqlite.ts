/**
 * The embedded store: one SQLite file in WAL mode. Writes are synchronous and committed before
 * they return, which is what lets ingest acknowledge QoS 1 right after them (DurableSink).
 * Readers in other processes (an API started alone) open the same file; WAL keeps them from
 * blocking the writer.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DeviceStatus, Reading, TelemetryEntry } from '../reading.ts';
import type { Bucket, DeviceRecord, DurableSink, HistoryQuery, HistorySeries, LatestValue, RawQuery, TelemetryStore } from './port.ts';
import { migrate } from './sqlite-schema.ts';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly readonly?: boolean;
}

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

interface BucketRow {
  metric: string;
  bucket: number;
  mean: number;
  min: number;
  max: number;
}

const EXPORT_PAGE = 5_000;

export class SqliteStore implements TelemetryStore, DurableSink {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly writeBatch: (entries: readonly TelemetryEntry[], receivedAt: number) => void;
  private readonly statements;

  constructor(options: SqliteStoreOptions) {
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
    // A late reading with an older ts goes into history but must not replace a newer latest value.
    const upsertLatest = this.db.prepare<[string, string, number, number]>(
      `INSERT INTO latest (device, metric, ts, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (device, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value
       WHERE excluded.ts >= latest.ts`,
    );
    const touchDevice = this.db.prepare<[string, number, number]>(
      `INSERT INTO devices (id, last_seen, first_seen) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`,
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
      // ts - ts % step: better-sqlite3 binds JS numbers as REAL, and % is integer-only in SQLite.
      history: this.db.prepare<[number, string, string, number, number], BucketRow>(
        `SELECT metric, ts - ts % ? AS bucket, avg(value) AS mean, min(value) AS min, max(value) AS max
         FROM readings WHERE device = ? AND metric = ? AND ts >= ? AND ts <= ?
         GROUP BY bucket ORDER BY bucket`,
      ),
      exportPage: this.db.prepare<[string, number, number, number, number, string, number], Reading>(
        `SELECT device, metric, ts, value FROM readings
         WHERE device = ? AND ts >= ? AND ts <= ? AND (ts > ? OR (ts = ? AND metric > ?))
         ORDER BY ts, metric LIMIT ?`,
      ),
    };

    this.writeBatch = this.db.transaction((entries: readonly TelemetryEntry[], receivedAt: number) => {
      const seen = new Set<string>();
      for (const entry of entries) {
        for (const metric of Object.keys(entry.values)) {
          const value = entry.values[metric]!;
          insertReading.run(entry.device, metric, entry.ts, value);
          upsertLatest.run(entry.device, metric, entry.ts, value);
        }
        if (!seen.has(entry.device)) {
          seen.add(entry.device);
          touchDevice.run(entry.device, receivedAt, receivedAt);
        }
      }
    });
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(options);
  }

  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void {
    this.writeBatch(entries, receivedAt);
  }

  async writeReadings(entries: readonly TelemetryEntry[], receivedAt: number): Promise<void> {
    this.writeBatch(entries, receivedAt);
  }

  async recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void> {
    this.statements.setStatus.run(device, status, ts, ts);
  }

  async devices(): Promise<DeviceRecord[]> {
    const latest = groupLatest(this.statements.allLatest.all());
    return this.statements.devices.all().map((row) => toRecord(row, latest.get(row.id)));
  }

  async device(id: string): Promise<DeviceRecord | undefined> {
    const row = this.statements.device.get(id);
    if (!row) return undefined;
    return toRecord(row, groupLatest(this.statements.deviceLatest.all(id)).get(id));
  }

  async history(query: HistoryQuery): Promise<HistorySeries> {
    const metrics = query.metrics?.length ? query.metrics : this.statements.deviceMetrics.all(query.device).map((r) => r.metric);
    const series: Record<string, Bucket[]> = Object.create(null) as Record<string, Bucket[]>;
    for (const metric of metrics) {
      const rows = this.statements.history.all(query.step, query.device, metric, query.from, query.to);
      series[metric] = rows.map((r) => [r.bucket, r.mean, r.min, r.max] as const);
    }
    return series;
  }

  async *exportRaw(query: RawQuery): AsyncIterable<Reading> {
    const wanted = query.metrics?.length ? new Set(query.metrics) : undefined;
    let afterTs = query.from - 1;
    let afterMetric = '';
    for (;;) {
      const page = this.statements.exportPage.all(query.device, query.from, query.to, afterTs, afterTs, afterMetric, EXPORT_PAGE);
      for (const row of page) if (!wanted || wanted.has(row.metric)) yield row;
      if (page.length < EXPORT_PAGE) return;
      const last = page[page.length - 1]!;
      afterTs = last.ts;
      afterMetric = last.metric;
      // Let other requests and ingest run between pages of a long export.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
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
