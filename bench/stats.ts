/**
 * Percentiles and a fixed-resolution latency histogram. Pure: the unit tests in
 * tests/unit/bench/ hold them to known answers.
 */

/** Nearest-rank percentile of values already sorted ascending; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/**
 * Latencies in buckets of `resolutionMs` up to `limitMs`, plus an overflow count: millions of
 * samples fit in a fixed array, and histograms from several client processes add up exactly.
 */
export class Histogram {
  readonly counts: Uint32Array;
  overflow = 0;
  max = 0;
  total = 0;

  constructor(
    readonly resolutionMs = 0.1,
    readonly limitMs = 30_000,
  ) {
    this.counts = new Uint32Array(Math.ceil(limitMs / resolutionMs));
  }

  record(ms: number): void {
    // A clock read a hair before the publisher's rounding can give -0.x; that is zero latency.
    const value = Math.max(0, ms);
    this.total++;
    if (value > this.max) this.max = value;
    const bucket = Math.floor(value / this.resolutionMs);
    if (bucket >= this.counts.length) this.overflow++;
    else this.counts[bucket]!++;
  }

  /** Non-empty buckets as [index, count] pairs: what a child process sends to the parent. */
  toSparse(): SparseHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { resolutionMs: this.resolutionMs, limitMs: this.limitMs, buckets, overflow: this.overflow, max: this.max };
  }

  merge(sparse: SparseHistogram): void {
    if (sparse.resolutionMs !== this.resolutionMs || sparse.limitMs !== this.limitMs)
      throw new Error('histograms of different shapes cannot be merged');
    for (const [index, count] of sparse.buckets) {
      this.counts[index]! += count;
      this.total += count;
    }
    this.overflow += sparse.overflow;
    this.total += sparse.overflow;
    if (sparse.max > this.max) this.max = sparse.max;
  }

  /** The upper edge of the bucket holding the p-th percentile (nearest rank), so it never flatters. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, (i + 1) * this.resolutionMs);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }
}

export interface SparseHistogram {
  readonly resolutionMs: number;
  readonly limitMs: number;
  readonly buckets: readonly (readonly [number, number])[];
  readonly overflow: number;
  readonly max: number;
}

/** Rounds for display and JSON: 3 significant digits below 100, whole numbers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  if (Math.abs(value) >= 10) return Math.round(value * 10) / 10;
  return Math.round(value * 100) / 100;
}

/** `a / b` for the ratio columns; undefined when there is nothing to compare against. */
export function ratio(a: number, b: number): number | undefined {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

/**
 * Slope of a least-squares line through (x, y), in y units per x unit: the soak's "memory flat"
 * test reads RSS growth per minute from it rather than from two noisy endpoints.
 */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) * (x - mx);
  }
  return den === 0 ? 0 : num / den;
}
