/**
 * Opening a SQLite file that Vigil keeps beside the store (alert tables, device registry) and
 * bringing its tables up to date. Each keeps its schema version under its own key in a shared
 * `vigil_meta` table, so several can live in one file (the store's own tables use PRAGMA
 * user_version instead: store/sqlite-schema.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface KeyedSchema {
  /** Its row in vigil_meta. */
  readonly key: string;
  /** Migration steps in order; the version is how many have been applied. */
  readonly steps: readonly string[];
  /** How the refusal of a newer schema begins: "the alert tables were". */
  readonly refusal: string;
}

/** Opens (creating its folder) in WAL mode and migrates; throws on a schema newer than this code. */
export function openSchemaDatabase(path: string, schema: KeyedSchema): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 5_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db, schema);
  return db;
}

function migrate(db: Database.Database, { key, steps, refusal }: KeyedSchema): void {
  db.exec('CREATE TABLE IF NOT EXISTS vigil_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  // BEGIN IMMEDIATE: two processes starting together must not both apply the same step.
  db.transaction(() => {
    const row = db.prepare('SELECT value FROM vigil_meta WHERE key = ?').get(key) as { value: string } | undefined;
    const current = row ? Number(row.value) : 0;
    if (current > steps.length) throw new Error(`${refusal} written by a newer Vigil (schema ${current})`);
    for (let v = current; v < steps.length; v++) db.exec(steps[v]!);
    db.prepare('INSERT INTO vigil_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      key,
      String(steps.length),
    );
  }).immediate();
}
