/**
 * The device registry in the SQLite file at SQLITE_PATH, under both stores (as the alert store
 * keeps rules and alerts there with STORE=influx too). Ingest writes the discovered layer and the
 * API the operator's; each writes only its own columns, so neither undoes the other's change.
 *
 * Every write stamps its row with the next `rev`; refresh() reads only rows past the newest rev
 * this process has seen, so checking for others' writes is one indexed max() while nothing changed.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import { openSchemaDatabase } from './keyed-schema.ts';
import { type DiscoveredLayer, type OperatorLayer, type RegistryLayers, type RegistryOptions, RegistryBase } from './registry.ts';

const SCHEMA_KEY = 'registry_schema';
const SCHEMA: readonly string[] = [
  `CREATE TABLE device_registry (
     id TEXT PRIMARY KEY,
     op_name TEXT,
     op_labels TEXT NOT NULL DEFAULT '{}',
     op_units TEXT NOT NULL DEFAULT '{}',
     disc_name TEXT,
     disc_units TEXT NOT NULL DEFAULT '{}',
     rev INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX device_registry_rev ON device_registry (rev);`,
];

interface Row {
  id: string;
  op_name: string | null;
  op_labels: string;
  op_units: string;
  disc_name: string | null;
  disc_units: string;
  rev: number;
}

const strings = z.record(z.string(), z.string());

/** A stored map through its schema; a row that no longer passes counts as empty, never trusted. */
function decodeStrings(text: string): Readonly<Record<string, string>> {
  try {
    const parsed = strings.safeParse(JSON.parse(text));
    return Object.freeze(parsed.success ? parsed.data : {});
  } catch {
    return Object.freeze({});
  }
}

function toLayers(row: Row): RegistryLayers {
  return {
    operator: { name: row.op_name, labels: decodeStrings(row.op_labels), units: decodeStrings(row.op_units) },
    discovered: { name: row.disc_name, units: decodeStrings(row.disc_units) },
  };
}

export interface SqliteRegistryOptions extends RegistryOptions {
  readonly logger?: Logger;
  /** Least time between two checks for other processes' writes (default 1 s; 0: every read). */
  readonly syncEveryMs?: number;
  readonly clock?: () => number;
}

export class SqliteRegistry extends RegistryBase {
  private readonly db: Database.Database;
  private readonly statements;
  private seenRev = 0;
  private lastSync = Number.NEGATIVE_INFINITY;
  private readonly log: RateLimitedLog;
  private readonly syncEveryMs: number;
  private readonly clock: () => number;

  constructor(path: string, options: SqliteRegistryOptions = {}) {
    super(options);
    this.log = new RateLimitedLog(options.logger ?? silentLogger);
    this.syncEveryMs = options.syncEveryMs ?? 1_000;
    this.clock = options.clock ?? Date.now;
    this.db = openSchemaDatabase(path, { key: SCHEMA_KEY, steps: SCHEMA, refusal: 'the device registry was' });
    const next = '(SELECT coalesce(max(rev), 0) + 1 FROM device_registry)';
    this.statements = {
      maxRev: this.db.prepare('SELECT coalesce(max(rev), 0) AS rev FROM device_registry').pluck(),
      since: this.db.prepare('SELECT * FROM device_registry WHERE rev > ? ORDER BY rev'),
      operator: this.db.prepare(
        `INSERT INTO device_registry (id, op_name, op_labels, op_units, rev, updated_at) VALUES (@id, @name, @labels, @units, ${next}, @now)
         ON CONFLICT (id) DO UPDATE SET op_name = excluded.op_name, op_labels = excluded.op_labels, op_units = excluded.op_units,
           rev = excluded.rev, updated_at = excluded.updated_at
         RETURNING *`,
      ),
      discovered: this.db.prepare(
        `INSERT INTO device_registry (id, disc_name, disc_units, rev, updated_at) VALUES (@id, @name, @units, ${next}, @now)
         ON CONFLICT (id) DO UPDATE SET disc_name = excluded.disc_name, disc_units = excluded.disc_units,
           rev = excluded.rev, updated_at = excluded.updated_at
         RETURNING *`,
      ),
    };
    // Everything stored so far is the starting point, not a change to announce.
    this.pull(true);
  }

  /** At most every syncEveryMs (reads and discoveries call it); refresh() always pulls. */
  protected override sync(): void {
    const now = this.clock();
    if (now - this.lastSync < this.syncEveryMs) return;
    this.lastSync = now;
    this.pull(false);
  }

  override refresh(): string[] {
    this.lastSync = Number.NEGATIVE_INFINITY;
    return super.refresh();
  }

  private pull(quiet: boolean): void {
    if (!this.db.open) return;
    const max = this.statements.maxRev.get() as number;
    if (max <= this.seenRev) return;
    for (const row of this.statements.since.all(this.seenRev) as Row[]) {
      this.take(row.id, toLayers(row), quiet);
      this.seenRev = Math.max(this.seenRev, row.rev);
    }
  }

  protected writeOperator(id: string, layer: OperatorLayer, now: number): RegistryLayers {
    const args = { id, name: layer.name, labels: JSON.stringify(layer.labels), units: JSON.stringify(layer.units), now };
    return toLayers(this.write(() => this.statements.operator.get(args) as Row));
  }

  protected writeDiscovered(id: string, layer: DiscoveredLayer, now: number): RegistryLayers {
    const args = { id, name: layer.name, units: JSON.stringify(layer.units), now };
    return toLayers(this.write(() => this.statements.discovered.get(args) as Row));
  }

  /**
   * BEGIN IMMEDIATE: the next rev is read under the write lock, so revs rise in commit order
   * across processes and a reader that has seen rev n has seen every row up to it.
   */
  private write(run: () => Row): Row {
    return this.db.transaction(run).immediate();
  }

  protected reportWriteError(err: unknown): void {
    this.log.warn('write', { err: (err as Error).message }, 'cannot store discovered device names or units; will retry on the next change');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
