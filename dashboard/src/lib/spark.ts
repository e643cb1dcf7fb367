/** [ts, value] */
export type SparkPoint = readonly [number, number];

export const SPARK_POINTS = 60;
export const SPARK_METRICS = 2;

/** Metrics that get a sparkline: the first few by name, so the choice is stable across reloads. */
export function sparkMetrics(values: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(values).sort().slice(0, SPARK_METRICS);
}

/** A copy of `points` with `point` in time order (replacing one at the same ts), keeping the newest `max`. */
export function insertPoint(points: readonly SparkPoint[], point: SparkPoint, max = SPARK_POINTS): SparkPoint[] {
  const out = points.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]![0] > point[0]) i--;
  if (i > 0 && out[i - 1]![0] === point[0]) out[i - 1] = point;
  else out.splice(i, 0, point);
  return out.length > max ? out.slice(out.length - max) : out;
}

/** An SVG path through the points, scaled to width x height with y growing downwards. */
export function sparkPath(points: readonly SparkPoint[], width: number, height: number, pad = 1.5): string {
  if (points.length < 2) return '';
  const t0 = points[0]![0];
  const span = points[points.length - 1]![0] - t0 || 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (const [, v] of points) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = hi - lo;
  const inner = height - 2 * pad;
  return points
    .map(([ts, v], i) => {
      const x = ((ts - t0) / span) * width;
      const y = range === 0 ? height / 2 : pad + inner - ((v - lo) / range) * inner;
      return `${i === 0 ? 'M' : 'L'}${round(x)},${round(y)}`;
    })
    .join('');
}

const round = (n: number) => Math.round(n * 10) / 10;
