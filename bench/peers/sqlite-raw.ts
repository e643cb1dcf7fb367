/**
 * Peer: a bare better-sqlite3 insert loop into a (device, metric, ts, value) table with the same
 * key, journal mode and sync level as Vigil's store, and nothing else: no rollups, no latest
 * values, no devices. Run twice: one transaction per reading (the commit pattern of one reading
 * per MQTT message) and 1,000 readings per transaction (the ceiling of batched writes).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface RawInsertResult {
  readonly perTransaction: number;
  readonly readings: number;
  readonly seconds: number;
  readonly rate: number;
}

export function rawSqliteInserts(dir: string, readings: number, perTransaction: number): RawInsertResult {
  const db = new Database(join(dir, `raw-${perTransaction}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE readings (device TEXT NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (device, metric, ts)) WITHOUT ROWID',
  );
  const insert = db.prepare<[string, string, number, number]>(
    'INSERT INTO readings (device, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const devices = Array.from({ length: 100 }, (_, i) => `raw-${String(i + 1).padStart(3, '0')}`);
  const base = Date.now();
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(devices[i % 100]!, 'temperature', base + Math.floor(i / 100), 20 + (i % 50) / 10);
  });
  const started = performance.now();
  for (let i = 0; i < readings; i += perTransaction) write(i, Math.min(readings, i + perTransaction));
  const seconds = (performance.now() - started) / 1000;
  const stored = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
  db.close();
  if (stored !== readings) throw new Error(`raw SQLite peer stored ${stored} of ${readings}`);
  return { perTransaction, readings, seconds, rate: readings / seconds };
}
