/**
 * Deletes readings and rollups older than the retention window, a small chunk per transaction
 * with a turn of the event loop between chunks, so ingest (which writes on the same connection
 * in the all-in-one) never waits for more than one chunk.
 *
 * Deleting by a ts range alone would need an index on ts, a second B-tree every write pays for.
 * Instead each (device, metric) pair, listed by `latest`, is trimmed through the primary key
 * (device, metric, ts), which is the same range scan the history query uses.
 */
import type Database from 'better-sqlite3';
import { ROLLUP_MS } from './buckets.ts';

export interface PruneResult {
  readings: number;
  rollups: number;
}

type Pair = { device: string; metric: string };

export class SqliteRetention {
  private readonly pairs: Database.Statement<[], Pair>;
  private readonly readingBound: Database.Statement<[string, string, number, number], { ts: number }>;
  private readonly deleteReadings: Database.Statement<[string, string, number]>;
  private readonly rollupBound: Database.Statement<[string, string, number, number], { minute: number }>;
  private readonly deleteRollups: Database.Statement<[string, string, number]>;
  private running: Promise<PruneResult> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly chunk = 2_000,
  ) {
    this.pairs = db.prepare('SELECT device, metric FROM latest ORDER BY device, metric');
    // The ts of the chunk-th expired row: deleting up to it removes exactly one chunk.
    this.readingBound = db.prepare('SELECT ts FROM readings WHERE device = ? AND metric = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?');
    this.deleteReadings = db.prepare('DELETE FROM readings WHERE device = ? AND metric = ? AND ts <= ?');
    this.rollupBound = db.prepare(
      'SELECT minute FROM rollup_1m WHERE device = ? AND metric = ? AND minute < ? ORDER BY minute LIMIT 1 OFFSET ?',
    );
    this.deleteRollups = db.prepare('DELETE FROM rollup_1m WHERE device = ? AND metric = ? AND minute <= ?');
  }

  /** One pass over every pair; concurrent calls share the pass in progress. */
  prune(cutoff: number): Promise<PruneResult> {
    this.running ??= this.pass(cutoff).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(cutoff: number): Promise<PruneResult> {
    const result: PruneResult = { readings: 0, rollups: 0 };
    // A minute that began before the cutoff also holds expired readings; queries never read it
    // from the rollup (they take the partial minute at the edge of a range from raw rows).
    const rollupCutoff = Math.floor(cutoff / ROLLUP_MS) * ROLLUP_MS;
    for (const { device, metric } of this.pairs.all()) {
      result.readings += await this.trim(
        () => this.readingBound.get(device, metric, cutoff, this.chunk - 1)?.ts,
        (upTo) => this.deleteReadings.run(device, metric, upTo).changes,
        cutoff - 1,
      );
      result.rollups += await this.trim(
        () => this.rollupBound.get(device, metric, rollupCutoff, this.chunk - 1)?.minute,
        (upTo) => this.deleteRollups.run(device, metric, upTo).changes,
        rollupCutoff - 1,
      );
      if (!this.db.open) break;
    }
    return result;
  }

  /** Deletes chunk by chunk up to `last`, yielding between chunks. */
  private async trim(bound: () => number | undefined, remove: (upTo: number) => number, last: number): Promise<number> {
    let removed = 0;
    for (;;) {
      if (!this.db.open) return removed;
      const upTo = bound();
      const n = remove(upTo ?? last);
      removed += n;
      if (upTo === undefined || n === 0) return removed;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
