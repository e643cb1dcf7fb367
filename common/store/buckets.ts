/**
 * Bucket width for a history query: buckets are aligned to multiples of the step since the
 * epoch (so SQLite and InfluxDB's GROUP BY time() agree), and a range of length L touches at
 * most ceil(L / step) + 1 of them, so the step is chosen to keep that within `points`.
 */
export function bucketStep(from: number, to: number, points: number): number {
  const span = Math.max(1, to - from);
  if (points <= 1) return span + 1;
  return Math.max(1, Math.ceil(span / (points - 1)));
}
