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
  // 2: one-minute rollups beside the raw readings, so long ranges read ~60x fewer rows. `n` and
  // `total` (not a mean) so buckets of several minutes combine exactly as the raw rows would.
  // Backfilled from the readings already stored, so an upgraded file answers the same.
  `CREATE TABLE rollup_1m (
     device TEXT NOT NULL,
     metric TEXT NOT NULL,
     minute INTEGER NOT NULL,
     n INTEGER NOT NULL,
     total REAL NOT NULL,
     lo REAL NOT NULL,
     hi REAL NOT NULL,
     PRIMARY KEY (device, metric, minute)
   ) WITHOUT ROWID;
   INSERT INTO rollup_1m (device, metric, minute, n, total, lo, hi)
     SELECT device, metric, ts - ts % 60000, count(*), sum(value), min(value), max(value)
     FROM readings GROUP BY device, metric, ts - ts % 60000;`,
  // 3: small facts about the file itself: when the derived rows (latest, last_seen) were last
  // flushed and whether the last close was clean (store/sqlite-derived.ts repairs otherwise).
  `CREATE TABLE store_meta (
     key TEXT PRIMARY KEY,
     value INTEGER NOT NULL
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
