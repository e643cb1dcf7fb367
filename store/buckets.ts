/** Width of the SQLite rollups (store/sqlite-history.ts): one row per device, metric and minute. */
export const ROLLUP_MS = 60_000;

/**
 * Bucket width for a history query: buckets are aligned to multiples of the step since the
 * epoch (so SQLite and InfluxDB's GROUP BY time() agree), and a range of length L touches at
 * most ceil(L / step) + 1 of them, so the step is chosen to keep that within `points`.
 *
 * From two rollup widths up, the step is rounded up to a whole number of minutes, so a long range
 * is answered from the one-minute rollups (a bucket then holds whole minutes); that costs at most
 * a third of the buckets, and usually a few percent (7 days in 500 points: 20.2 min -> 21 min).
 */
export function bucketStep(from: number, to: number, points: number): number {
  const span = Math.max(1, to - from);
  // One bucket must hold the whole range: with step to + 1 both ends fall in the bucket at 0.
  if (points <= 1) return Math.max(1, to + 1);
  const step = Math.max(1, Math.ceil(span / (points - 1)));
  if (step < 2 * ROLLUP_MS) return step;
  return Math.ceil(step / ROLLUP_MS) * ROLLUP_MS;
}
