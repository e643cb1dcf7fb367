import type { VigilConfig } from '../config.ts';
import type { DurableSink, TelemetryStore } from './port.ts';
import { SqliteStore } from './sqlite.ts';

export type { TelemetryStore, DurableSink } from './port.ts';

export type IngestStore = TelemetryStore & DurableSink;

/** Opens the configured store, or fails with one line saying why. */
export async function openStore(config: VigilConfig): Promise<IngestStore> {
  if (config.store.kind === 'influx') {
    throw new Error('STORE=influx: the InfluxDB store is not built yet in this version; use STORE=sqlite');
  }
  try {
    return SqliteStore.open({ path: config.store.sqlitePath });
  } catch (err) {
    throw new Error(`cannot open the SQLite store at ${config.store.sqlitePath}: ${(err as Error).message}`);
  }
}
