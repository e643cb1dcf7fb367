/**
 * History buckets for the SQLite store, from the one-minute rollups where they can answer and
 * from raw readings elsewhere, in one statement.
 *
 * A bucket of a step that is a whole number of minutes holds whole minutes, so the minutes lying
 * entirely inside [from, to] come from `rollup_1m` and only the partial minutes at both ends from
 * `readings`. For any other step every row comes from `readings`. Either way a bucket is built
 * from (sum, count, min, max) and its mean is sum / count, so both paths give the same numbers
 * (means to the last bit or two of a double: the sums are added in a different order).
 */
import type Database from 'better-sqlite3';
import { ROLLUP_MS } from './buckets.ts';
import type { Bucket } from './port.ts';

interface BucketRow {
  bucket: number;
  total: number;
  n: number;
  lo: number;
  hi: number;
  raw: number;
  rolled: number;
}

interface BucketParams {
  device: string;
  metric: string;
  step: number;
  from: number;
  to: number;
  /** Rollup minutes [firstMinute, endMinute) are read from rollup_1m; raw rows outside it. */
  firstMinute: number;
  endMinute: number;
}

/** Rows read, for tests, the benchmark and /metrics: the point of the rollups is to keep `raw` small. */
export interface HistoryReads {
  rawRows: number;
  rollupRows: number;
}

export class SqliteHistory {
  private readonly statement: Database.Statement<[BucketParams], BucketRow>;
  readonly reads: HistoryReads = { rawRows: 0, rollupRows: 0 };

  constructor(db: Database.Database) {
    // Three branches on the (device, metric, ts|minute) primary keys, each a range scan.
    // `ts - ts % step`: % is integer arithmetic in SQLite (it casts the REAL that a JS number binds as).
    this.statement = db.prepare<[BucketParams], BucketRow>(
      `SELECT bucket, sum(total) AS total, sum(n) AS n, min(lo) AS lo, max(hi) AS hi, sum(raw) AS raw, sum(rolled) AS rolled FROM (
         SELECT minute - minute % @step AS bucket, total, n, lo, hi, 0 AS raw, 1 AS rolled FROM rollup_1m
           WHERE device = @device AND metric = @metric AND minute >= @firstMinute AND minute < @endMinute
         UNION ALL
         SELECT ts - ts % @step, value, 1, value, value, 1, 0 FROM readings
           WHERE device = @device AND metric = @metric AND ts >= @from AND ts < @firstMinute
         UNION ALL
         SELECT ts - ts % @step, value, 1, value, value, 1, 0 FROM readings
           WHERE device = @device AND metric = @metric AND ts >= @endMinute AND ts <= @to
       ) GROUP BY bucket ORDER BY bucket`,
    );
  }

  /**
   * Buckets of one metric over [from, to]; `useRollups: false` forces the raw path (tests and
   * the benchmark compare the two).
   */
  buckets(device: string, metric: string, from: number, to: number, step: number, useRollups = true): Bucket[] {
    if (from > to) return [];
    let firstMinute = to + 1;
    let endMinute = to + 1;
    if (useRollups && step % ROLLUP_MS === 0) {
      const first = Math.ceil(from / ROLLUP_MS) * ROLLUP_MS;
      const end = Math.floor((to + 1) / ROLLUP_MS) * ROLLUP_MS;
      if (first < end) {
        firstMinute = first;
        endMinute = end;
      }
    }
    const rows = this.statement.all({ device, metric, step, from, to, firstMinute, endMinute });
    const out: Bucket[] = new Array<Bucket>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      this.reads.rawRows += r.raw;
      this.reads.rollupRows += r.rolled;
      out[i] = [r.bucket, r.total / r.n, r.lo, r.hi];
    }
    return out;
  }
}
