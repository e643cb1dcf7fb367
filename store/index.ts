import { basename, dirname, join } from 'node:path';
import type { VigilConfig } from '../lib/config.ts';
import { componentLogger, createLogger, type Logger } from '../lib/logger.ts';
import { InfluxStore } from './influx/store.ts';
import type { TelemetryStore } from './port.ts';
import { SqliteStore } from './sqlite.ts';

export type { AlertEventSink, DurableSink, StoreStats, TelemetryReader, TelemetryStore, TelemetryWriter } from './port.ts';

/**
 * What an ingest process is handed: the writer half, plus what its alerter reads (devices) and
 * what its stats snapshot reports; in practice the whole store, which the all-in-one shares.
 */
export type IngestStore = TelemetryStore;

export interface OpenStoreOptions {
  /** Where the store says what it found (which InfluxDB, spool left over); one is made from LOG_LEVEL otherwise. */
  readonly logger?: Logger;
  readonly now?: () => number;
}

/**
 * The InfluxDB store's spool file: beside the embedded store's file, so one data directory (and
 * one docker volume) holds everything a process keeps. ./data/vigil.db -> ./data/vigil.influx-spool.db
 */
export function spoolPathFor(sqlitePath: string): string {
  if (sqlitePath === ':memory:') return sqlitePath;
  const base = basename(sqlitePath).replace(/\.(db|sqlite3?)$/i, '');
  return join(dirname(sqlitePath), `${base}.influx-spool.db`);
}

/** Opens the configured store, or fails with one line saying why. */
export async function openStore(config: VigilConfig, options: OpenStoreOptions = {}): Promise<IngestStore> {
  const now = options.now ?? Date.now;
  if (config.store.kind === 'influx') {
    const { url, token, database } = config.store.influx;
    const spoolPath = spoolPathFor(config.store.sqlitePath);
    const logger = componentLogger(options.logger ?? createLogger({ level: config.logLevel }), 'store');
    try {
      return await InfluxStore.open({ url, token, database, retentionMs: config.store.retentionMs, spoolPath, now, logger });
    } catch (err) {
      throw new Error(`cannot open the InfluxDB spool at ${spoolPath}: ${(err as Error).message}`);
    }
  }
  try {
    return SqliteStore.open({ path: config.store.sqlitePath, retentionMs: config.store.retentionMs, now });
  } catch (err) {
    throw new Error(`cannot open the SQLite store at ${config.store.sqlitePath}: ${(err as Error).message}`);
  }
}
