/**
 * The durable local spool in front of InfluxDB: a SQLite file (WAL, synchronous=NORMAL, like the
 * embedded store) of line-protocol rows. append() commits before it returns, which is what
 * ingest acknowledges QoS 1 after; the forwarder (forwarder.ts) reads rows in id order and
 * deletes them only after InfluxDB confirmed the write.
 *
 * Bounded: past maxRows, append() throws SpoolFullError, so ingest holds the message and retries
 * with backoff and the broker queues the rest (backpressure) instead of this file growing
 * without end while InfluxDB is away.
 *
 * Several processes may share the file (docker compose gives every replica one volume and one
 * SQLITE_PATH). The row and point totals therefore live in the file, updated in the same
 * transaction as the rows, and one process at a time drains it, holding a lease that it renews
 * with every batch; when that process dies, another takes over once the lease runs out.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface SpoolInput {
  /** One line-protocol line; empty for a row that only reports the device alive. */
  readonly line: string;
  /** Metric values in the line (for the unacked-readings gauge). */
  readonly points: number;
  /** Telemetry rows: the device and the receive time, folded into one `seen` point per batch. */
  readonly device?: string;
  readonly seenAt?: number;
}

export interface SpoolRow {
  readonly id: number;
  readonly line: string;
  readonly points: number;
  readonly device: string | null;
  readonly seenAt: number | null;
}

export class SpoolFullError extends Error {
  constructor(rows: number, limit: number) {
    super(`the InfluxDB spool is full (${rows} rows waiting, limit ${limit}); holding new readings until InfluxDB catches up`);
    this.name = 'SpoolFullError';
  }
}

export interface SpoolOptions {
  readonly path: string;
  readonly maxRows?: number;
}

export const DEFAULT_SPOOL_MAX_ROWS = 1_000_000;

export class Spool {
  readonly path: string;
  readonly maxRows: number;
  private readonly db: Database.Database;
  private readonly appendTx: (rows: readonly SpoolInput[]) => void;
  private readonly ackTx: (lastId: number) => void;
  private readonly statements;

  constructor(options: SpoolOptions) {
    this.path = options.path;
    this.maxRows = options.maxRows ?? DEFAULT_SPOOL_MAX_ROWS;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path, { timeout: 5_000 });
    this.db.pragma('journal_mode = WAL');
    // As for the embedded store: a commit survives a kill -9 of this process.
    this.db.pragma('synchronous = NORMAL');
    // AUTOINCREMENT: ids only grow, even after the spool was emptied, so "drained past id N" holds.
    this.db.exec(`CREATE TABLE IF NOT EXISTS spool (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        line TEXT NOT NULL,
        points INTEGER NOT NULL,
        device TEXT,
        seen_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS spool_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        rows INTEGER NOT NULL,
        points INTEGER NOT NULL,
        drainer TEXT,
        drainer_until INTEGER
      );
      INSERT OR IGNORE INTO spool_state (id, rows, points) SELECT 1, count(*), coalesce(sum(points), 0) FROM spool;`);
    const db = this.db;
    this.statements = {
      insert: db.prepare<[string, number, string | null, number | null]>(
        'INSERT INTO spool (line, points, device, seen_at) VALUES (?, ?, ?, ?)',
      ),
      totals: db.prepare<[], { rows: number; points: number }>('SELECT rows, points FROM spool_state WHERE id = 1'),
      add: db.prepare<[number, number]>('UPDATE spool_state SET rows = rows + ?, points = points + ? WHERE id = 1'),
      peek: db.prepare<[number], SpoolRow>('SELECT id, line, points, device, seen_at AS seenAt FROM spool ORDER BY id LIMIT ?'),
      upTo: db.prepare<[number], { rows: number; points: number }>(
        'SELECT count(*) AS rows, coalesce(sum(points), 0) AS points FROM spool WHERE id <= ?',
      ),
      remove: db.prepare<[number]>('DELETE FROM spool WHERE id <= ?'),
      firstId: db.prepare<[], { id: number | null }>('SELECT min(id) AS id FROM spool'),
      lastId: db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'spool'`),
      lease: db.prepare<[string, number, string, number]>(
        'UPDATE spool_state SET drainer = ?, drainer_until = ? WHERE id = 1 AND (drainer IS NULL OR drainer = ? OR drainer_until < ?)',
      ),
      release: db.prepare<[string]>('UPDATE spool_state SET drainer = NULL, drainer_until = NULL WHERE id = 1 AND drainer = ?'),
    };
    const st = this.statements;
    this.appendTx = db.transaction((rows: readonly SpoolInput[]) => {
      // Inside the transaction: every process sharing the file sees the same totals.
      const { rows: waiting } = st.totals.get()!;
      if (waiting + rows.length > this.maxRows) throw new SpoolFullError(waiting, this.maxRows);
      let points = 0;
      for (const row of rows) {
        st.insert.run(row.line, row.points, row.device ?? null, row.seenAt ?? null);
        points += row.points;
      }
      st.add.run(rows.length, points);
    });
    this.ackTx = db.transaction((lastId: number) => {
      // Counted before deleting, so a batch deleted twice (a lease taken over mid-write) counts once.
      const gone = st.upTo.get(lastId)!;
      st.remove.run(lastId);
      st.add.run(-gone.rows, -gone.points);
    });
  }

  /** Rows waiting, in every process sharing the file. */
  get rows(): number {
    return this.statements.totals.get()!.rows;
  }

  /** Metric values in the waiting rows. */
  get points(): number {
    return this.statements.totals.get()!.points;
  }

  /** The id of the newest row ever appended to the file (0 when none was). */
  get lastId(): number {
    return this.statements.lastId.get()?.seq ?? 0;
  }

  /** True when no row with an id up to `id` is left. */
  drainedThrough(id: number): boolean {
    const first = this.statements.firstId.get()!.id;
    return first === null || first > id;
  }

  /** Commits the rows or throws (full, disk error); nothing is half-appended. */
  append(rows: readonly SpoolInput[]): void {
    if (rows.length > 0) this.appendTx(rows);
  }

  /** The oldest rows, in the order they were appended. */
  peek(limit: number): SpoolRow[] {
    return this.statements.peek.all(limit);
  }

  /** Deletes a batch InfluxDB confirmed (or refused for good): every row up to its last id. */
  ack(batch: readonly SpoolRow[]): void {
    const last = batch[batch.length - 1];
    if (last) this.ackTx(last.id);
  }

  /** Takes or renews the right to drain the file for `ms`; false while another process holds it. */
  lease(owner: string, ms: number, now = Date.now()): boolean {
    return this.statements.lease.run(owner, now + ms, owner, now).changes === 1;
  }

  release(owner: string): void {
    if (this.db.open) this.statements.release.run(owner);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
