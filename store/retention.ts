/**
 * The retention window both stores apply the same way: a reading older than `now - retention`
 * is not stored when it arrives and not returned by queries, whether or not the periodic
 * deletion (SQLite) or the retention policy (InfluxDB) has removed it yet. That keeps the two
 * stores' answers identical between deletion passes.
 */
export class RetentionWindow {
  constructor(
    /** Undefined keeps everything. */
    readonly retentionMs: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The oldest ts still kept. */
  cutoff(): number {
    return this.retentionMs === undefined ? Number.NEGATIVE_INFINITY : this.now() - this.retentionMs;
  }

  keeps(ts: number): boolean {
    return ts >= this.cutoff();
  }

  /** The start of a query range, moved up to the oldest ts still kept. */
  clampFrom(from: number): number {
    return Math.max(from, this.cutoff());
  }
}
