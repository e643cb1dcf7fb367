/**
 * How many readings a store holds, read from outside the ingest process while it runs. Cheap on
 * purpose, because it is polled during the measurement: the SQLite store's one-minute rollups
 * carry a count of the readings stored (a few hundred rows, not a scan of the readings), and the
 * InfluxDB store's spool says how many rows were made durable and how many still wait.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fieldKey, MEASUREMENT, quoteIdent } from '../../store/influx/influxql.ts';

export interface Progress {
  /** Readings durable (acknowledgeable): stored in SQLite, or committed to the InfluxDB spool. */
  readonly durable: number;
  /** Readings in the backend: SQLite (same as durable), or sent to InfluxDB and confirmed. */
  readonly stored: number;
}

export interface StoreProbe {
  progress(): Progress;
  /** The exact count in the backend, for the loss check at the end. */
  exact(): Promise<number>;
  close(): void;
}

function openReadonly(path: string): Database.Database | undefined {
  if (!existsSync(path)) return undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
  return db;
}

export function sqliteProbe(dir: string): StoreProbe {
  const path = join(dir, 'vigil.db');
  let db: Database.Database | undefined;
  let statement: Database.Statement<[], { n: number }> | undefined;
  const count = (): number => {
    db ??= openReadonly(path);
    if (!db) return 0;
    statement ??= db.prepare('SELECT coalesce(sum(n), 0) AS n FROM rollup_1m');
    return statement.get()?.n ?? 0;
  };
  return {
    progress: () => {
      const n = count();
      return { durable: n, stored: n };
    },
    exact: async () => {
      db ??= openReadonly(path);
      return db ? (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n : 0;
    },
    close: () => db?.close(),
  };
}

/**
 * Spool rows are one per telemetry entry plus one per status message; `baseRows` (the status
 * rows of the fleet coming online) is taken off so the figures count readings.
 */
export function influxProbe(
  dir: string,
  influxUrl: string,
  database: string,
  metric = 'temperature',
): StoreProbe & { setBase(rows: number): void; rows(): { appended: number; pending: number } } {
  const path = join(dir, 'vigil.influx-spool.db');
  let db: Database.Database | undefined;
  let statement: Database.Statement<[], { appended: number; pending: number }> | undefined;
  let base = 0;
  const rows = () => {
    db ??= openReadonly(path);
    if (!db) return { appended: 0, pending: 0 };
    statement ??= db.prepare(
      `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'spool'), 0) AS appended, (SELECT count(*) FROM spool) AS pending`,
    );
    return statement.get() ?? { appended: 0, pending: 0 };
  };
  return {
    setBase: (n) => void (base = n),
    rows,
    progress: () => {
      const r = rows();
      return { durable: Math.max(0, r.appended - base), stored: Math.max(0, r.appended - r.pending - base) };
    },
    exact: () => influxCount(influxUrl, database, metric),
    close: () => db?.close(),
  };
}

/** `SELECT count(<field>) FROM telemetry` over plain HTTP: no client library between us and the answer. */
export async function influxCount(url: string, database: string, metric: string): Promise<number> {
  const q = `SELECT count(${quoteIdent(fieldKey(metric))}) FROM ${quoteIdent(MEASUREMENT)}`;
  const res = await fetch(`${url}/query?${new URLSearchParams({ db: database, q })}`);
  const body = (await res.json()) as { results?: { series?: { values?: unknown[][] }[] }[] };
  const value = body.results?.[0]?.series?.[0]?.values?.[0]?.[1];
  return typeof value === 'number' ? value : 0;
}
