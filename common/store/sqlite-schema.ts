import type Database from 'better-sqlite3';

/**
 * Schema versions, applied in order inside one transaction each; PRAGMA user_version records
 * how far a file has come, so an older file upgrades in place on start.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE readings (
     device TEXT NOT NULL,
     metric TEXT NOT NULL,
     ts INTEGER NOT NULL,
     value REAL NOT NULL,
     PRIMARY KEY (device, metric, ts)
   ) WITHOUT ROWID;
   CREATE TABLE latest (
     device TEXT NOT NULL,
     metric TEXT NOT NULL,
     ts INTEGER NOT NULL,
     value REAL NOT NULL,
     PRIMARY KEY (device, metric)
   ) WITHOUT ROWID;
   CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     reported TEXT CHECK (reported IN ('online', 'offline')),
     reported_at INTEGER,
     last_seen INTEGER,
     first_seen INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the SQLite store was written by a newer Vigil (schema ${current}, this one knows ${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
