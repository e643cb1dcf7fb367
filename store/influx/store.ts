/**
 * The InfluxDB store (STORE=influx). Writes go through a durable local spool (spool.ts): ingest
 * acknowledges QoS 1 once appendSync has committed a spool row, and the forwarder drains rows to
 * InfluxDB in batches. Reads are InfluxQL on /query (reads.ts). docs/storage.md has the layout.
 */
import { formatDuration } from '../../lib/duration.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import type { DeviceStatus, Reading, TelemetryEntry } from '../../domain/reading.ts';
import type { Alert } from '../../domain/alert.ts';
import type { AlertEventKind, DeviceRecord, HistoryQuery, HistorySeries, RawQuery, StoreStats, TelemetryStore } from '../port.ts';
import { RetentionWindow } from '../retention.ts';
import { StatsRecorder } from '../stats.ts';
import { Forwarder, telemetryTimes } from './forwarder.ts';
import { durationLiteral, quoteIdent } from './influxql.ts';
import { alertLine, statusLine, telemetryLine } from './lines.ts';
import { byteOrder, InfluxReader, type DeviceFacts } from './reads.ts';
import { RollupJob } from './rollups.ts';
import type { ServerInfo } from './server.ts';
import { Spool, type SpoolInput } from './spool.ts';
import { InfluxHttp } from './transport.ts';

export interface InfluxStoreOptions {
  readonly url: string;
  readonly token: string | undefined;
  readonly database: string;
  /** RETENTION: writes older than it are dropped, reads stop at it, and a created database gets it as its retention policy. */
  readonly retentionMs?: number;
  readonly spoolPath: string;
  readonly spoolMaxRows?: number;
  /** Create the database (1.x, through InfluxQL) when it is missing. Default true. */
  readonly createDatabase?: boolean;
  /** Socket idle timeout of InfluxDB requests. Default 10 s. */
  readonly timeoutMs?: number;
  readonly batchLines?: number;
  readonly lingerMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How often writes are tried again while InfluxDB refuses them for good (bad credentials, missing RP). Default 30 s. */
  readonly blockedRetryMs?: number;
  /** How often an idle forwarder looks for rows other processes put in a shared spool. Default 1 s. */
  readonly pollMs?: number;
  /** How long close() keeps draining the spool before leaving the rest for the next start. Default 2 s. */
  readonly closeGraceMs?: number;
  /** One-minute rollups for long history ranges (rollups.ts): how long a minute must be quiet before it is rolled. Default 30 s. */
  readonly rollupSettleMs?: number;
  /** How often the rollup job runs. Default 10 s. */
  readonly rollupIntervalMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** Name of the retention policy created with the database. */
export const RETENTION_POLICY = 'vigil';
const EXPORT_PAGE = 5_000;
const PING_TIMEOUT_MS = 3_000;

export class InfluxStore implements TelemetryStore {
  readonly kind = 'influx' as const;
  /** What /ping said, once InfluxDB has answered. */
  server: ServerInfo | undefined;
  readonly spool: Spool;
  private readonly http: InfluxHttp;
  private readonly reader: InfluxReader;
  private readonly forwarder: Forwarder;
  private readonly rollups: RollupJob;
  private readonly window: RetentionWindow;
  private readonly recorder = new StatsRecorder();
  private readonly logger: Logger;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly options: InfluxStoreOptions,
    spool: Spool,
    http: InfluxHttp,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.window = new RetentionWindow(options.retentionMs, options.now);
    this.spool = spool;
    this.http = http;
    this.reader = new InfluxReader(http);
    this.rollups = new RollupJob({
      http,
      logger: this.logger,
      now: options.now ?? Date.now,
      ...(options.rollupSettleMs !== undefined ? { settleMs: options.rollupSettleMs } : {}),
      ...(options.rollupIntervalMs !== undefined ? { intervalMs: options.rollupIntervalMs } : {}),
    });
    this.forwarder = new Forwarder({
      onWritten: (batch) => this.rollups.markWritten(telemetryTimes(batch)),
      spool,
      http,
      stats: this.recorder,
      logger: this.logger,
      prepare: () => this.prepare(),
      ...pick(options, ['batchLines', 'lingerMs', 'minBackoffMs', 'maxBackoffMs', 'blockedRetryMs', 'pollMs']),
    });
  }

  /**
   * Opens the spool and says which InfluxDB answers. An unreachable InfluxDB is not fatal: the
   * spool takes readings meanwhile and /api/health reports the store down.
   */
  static async open(options: InfluxStoreOptions): Promise<InfluxStore> {
    const spool = new Spool({ path: options.spoolPath, ...(options.spoolMaxRows ? { maxRows: options.spoolMaxRows } : {}) });
    const http = new InfluxHttp({
      url: options.url,
      token: options.token,
      database: options.database,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    const logger = options.logger ?? silentLogger;
    let ready = false;
    let store: InfluxStore | undefined;
    try {
      store = new InfluxStore(options, spool, http);
      await store.prepare();
      ready = true;
    } catch (err) {
      if (!store) {
        spool.close();
        throw err;
      }
      logger.warn({ url: options.url, err, spooledRows: spool.rows }, 'InfluxDB is not answering; readings are spooled until it does');
    }
    store.forwarder.start(ready);
    store.rollups.start();
    if (spool.rows > 0) logger.info({ spooledRows: spool.rows, spool: spool.path }, 'draining readings spooled before this start');
    return store;
  }

  /** Detects the server (logged when first seen or changed) and creates the database when it may. */
  private async prepare(): Promise<void> {
    const info = await this.http.ping(PING_TIMEOUT_MS);
    if (this.server?.label !== info.label) {
      this.logger.info({ url: this.options.url, database: this.options.database, version: info.version, build: info.build }, info.label);
    }
    this.server = info;
    if (info.major === 1 && this.options.createDatabase !== false) await this.ensureDatabase();
  }

  /** 1.x only: 2.x reaches a bucket through its (virtual) DBRP mapping and 3.x creates the database on first write. */
  private async ensureDatabase(): Promise<void> {
    const db = this.options.database;
    try {
      const shown = await this.http.queryOne('SHOW DATABASES', { database: false });
      if ((shown[0]?.values ?? []).some((row) => row[0] === db)) return;
      const retention = this.options.retentionMs;
      const rp = retention === undefined ? '' : ` WITH DURATION ${durationLiteral(retention)} NAME ${quoteIdent(RETENTION_POLICY)}`;
      await this.http.queryOne(`CREATE DATABASE ${quoteIdent(db)}${rp}`, { database: false });
      this.logger.info(
        {
          database: db,
          retentionPolicy: retention === undefined ? 'autogen' : RETENTION_POLICY,
          duration: retention === undefined ? 'infinite' : formatDuration(retention),
        },
        'created the InfluxDB database',
      );
    } catch (err) {
      // Not allowed (no admin rights) or not supported: writes will say what is wrong.
      this.logger.warn({ database: db, err }, 'could not check or create the InfluxDB database');
    }
  }

  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void {
    const cutoff = this.window.cutoff();
    const rows: SpoolInput[] = [];
    let expired = 0;
    for (const entry of entries) {
      const points = Object.keys(entry.values).length;
      // Older than the retention window: InfluxDB would refuse it or, worse, keep a shard for it.
      // The row stays, empty, so the device still counts as seen.
      if (entry.ts < cutoff) {
        expired += points;
        rows.push({ line: '', points: 0, device: entry.device, seenAt: receivedAt });
      } else {
        rows.push({ line: telemetryLine(entry), points, device: entry.device, seenAt: receivedAt });
      }
    }
    this.append(rows);
    this.recorder.droppedOutsideRetention += expired;
  }

  /** Spooled like readings, so a status message is acknowledged without waiting for InfluxDB either. */
  async recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void> {
    this.append([{ line: statusLine(device, status, ts), points: 0 }]);
  }

  recordAlertEvent(alert: Alert, event: AlertEventKind, ts: number): void {
    // Through the spool like everything else: durable now, in InfluxDB once it answers.
    this.append([{ line: alertLine(alert, event, ts), points: 0 }]);
  }

  private append(rows: readonly SpoolInput[]): void {
    this.spool.append(rows);
    this.forwarder.wake();
  }

  async devices(): Promise<DeviceRecord[]> {
    const registry = await this.reader.registry();
    return [...registry.keys()].sort(byteOrder).map((id) => toRecord(id, registry.get(id)!));
  }

  async device(id: string): Promise<DeviceRecord | undefined> {
    const found = (await this.reader.registry(id)).get(id);
    return found ? toRecord(id, found) : undefined;
  }

  private async metricsOf(device: string, wanted: readonly string[] | undefined): Promise<string[]> {
    if (wanted?.length) return [...wanted];
    const facts = (await this.reader.registry(device)).get(device);
    return Object.keys(facts?.values ?? {}).sort(byteOrder);
  }

  async history(query: HistoryQuery): Promise<HistorySeries> {
    const metrics = await this.metricsOf(query.device, query.metrics);
    return this.reader.history(query.device, metrics, this.window.clampFrom(query.from), query.to, query.step, this.rollups.rolled);
  }

  /** Rolls every minute written so far (but the current one) now, settled or not: tests and the benchmark. */
  rollupNow(): Promise<void> {
    return this.rollups.rollupNow();
  }

  async *exportRaw(query: RawQuery): AsyncIterable<Reading> {
    const metrics = await this.metricsOf(query.device, query.metrics);
    yield* this.reader.export(query.device, metrics, this.window.clampFrom(query.from), query.to, EXPORT_PAGE);
  }

  /** Down when InfluxDB does not answer /ping, or refuses writes for a reason retrying will not fix. */
  async ping(): Promise<void> {
    const blocked = this.recorder.blockedBy;
    if (blocked !== null) throw new Error(blocked);
    await this.http.ping(PING_TIMEOUT_MS);
  }

  flush(timeoutMs?: number): Promise<void> {
    return this.forwarder.flush(timeoutMs);
  }

  stats(): StoreStats {
    // Read from the spool file: it is the truth when several processes share it.
    if (!this.closed) {
      this.recorder.spooledRows = this.spool.rows;
      this.recorder.unackedReadings = this.spool.points;
    }
    return this.recorder.snapshot();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.forwarder.stop(this.options.closeGraceMs ?? 2_000);
      await this.rollups.stop();
      this.spool.close();
    })();
    return this.closed;
  }
}

function toRecord(id: string, facts: DeviceFacts): DeviceRecord {
  return { id, reported: facts.reported, reportedAt: facts.reportedAt, lastSeen: facts.lastSeen, values: facts.values };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
