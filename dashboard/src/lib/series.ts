import type { HistoryPoint } from './api.ts';

export interface Bucket {
  readonly ts: number;
  mean: number;
  min: number;
  max: number;
  /** Readings folded in; a bucket from history counts as one, since the API gives no count. */
  n: number;
}

export interface XY {
  readonly x: number;
  readonly y: number | null;
}

/** Two buckets further apart than this many steps have missing data between them. */
export const GAP_STEPS = 2.5;
const MAX_PENDING = 10_000;

/** A covered reading this much older than the history's end is a device's backlog, not a live one. */
export const LATE_MS = 2_000;

/**
 * One metric's chart data: downsampled history from the API, extended by live readings folded
 * into buckets of the same width and alignment (multiples of the step since the epoch, as the
 * API does), so history and live meet without a gap or a doubled point.
 *
 * Which live readings the history already holds cannot be told exactly: the API's answer covers
 * everything stored before it ran, and events stored just before may still be on their way. So
 * until `settle()` (a few seconds after the history arrived) a reading at or before the history's
 * `to` is taken as covered; one much older than `to` (a device's backlog, a replay) marks the
 * window `suspect`, so its owner refetches once things settle instead of guessing. After
 * `settle()` every reading is new and is folded in whatever its timestamp.
 */
export class SeriesWindow {
  #buckets: Bucket[] = [];
  #step = 1;
  #historyTo = -Infinity;
  /** Live readings that arrived before the history they may overlap; null once history is in. */
  #pending: [number, number][] | null = [];
  #suspect = false;
  #revision = 0;

  /** Goes up whenever what line() would return changes, so a chart can skip an unchanged series. */
  get revision(): number {
    return this.#revision;
  }

  get step(): number {
    return this.#step;
  }

  get buckets(): readonly Bucket[] {
    return this.#buckets;
  }

  /** A covered reading may not have been in the history after all: refetch to be sure. */
  get suspect(): boolean {
    return this.#suspect;
  }

  setHistory(points: readonly HistoryPoint[], step: number, to: number): void {
    this.#step = Math.max(1, step);
    this.#historyTo = to;
    this.#buckets = [];
    for (const [ts, mean, min, max] of points) {
      if (mean === null) continue;
      this.#buckets.push({ ts, mean, min: min ?? mean, max: max ?? mean, n: 1 });
    }
    this.#buckets.sort((a, b) => a.ts - b.ts);
    this.#revision++;
    const pending = this.#pending ?? [];
    this.#pending = null;
    for (const [ts, value] of pending) this.add(ts, value);
  }

  /** From now on no live reading can be in the history: fold in everything. */
  settle(): void {
    this.#historyTo = -Infinity;
  }

  add(ts: number, value: number): void {
    if (this.#pending) {
      if (this.#pending.length < MAX_PENDING) this.#pending.push([ts, value]);
      else this.#suspect = true;
      return;
    }
    // The API's range includes `to`, so anything at or before it is already in the history.
    if (ts <= this.#historyTo) {
      if (ts < this.#historyTo - LATE_MS) this.#suspect = true;
      return;
    }
    this.#revision++;
    const start = Math.floor(ts / this.#step) * this.#step;
    let i = this.#buckets.length - 1;
    while (i >= 0 && this.#buckets[i]!.ts > start) i--;
    const bucket = this.#buckets[i];
    if (bucket && bucket.ts === start) {
      bucket.n += 1;
      bucket.mean += (value - bucket.mean) / bucket.n;
      bucket.min = Math.min(bucket.min, value);
      bucket.max = Math.max(bucket.max, value);
    } else {
      this.#buckets.splice(i + 1, 0, { ts: start, mean: value, min: value, max: value, n: 1 });
    }
  }

  /** Forgets buckets that lie wholly before `from`, so a page left open does not grow forever. */
  trim(from: number): void {
    const keep = this.#buckets.findIndex((b) => b.ts + this.#step > from);
    if (keep > 0) this.#buckets.splice(0, keep);
    else if (keep < 0 && this.#buckets.length > 0) this.#buckets = [];
    else return;
    this.#revision++;
  }

  line(pick: (bucket: Bucket) => number, options?: GapOptions): XY[] {
    return withGaps(this.#buckets, this.#step, pick, options);
  }

  /** The mean line, with whether the series is irregular (report-on-change) and so drawn stepped. */
  meanLine(options?: GapOptions): GapLine {
    return lineWithGaps(this.#buckets, this.#step, (b) => b.mean, options);
  }
}

/** What the gap rule decided for one series, beside its points. */
export interface GapLine {
  readonly points: XY[];
  /**
   * The series does not report at a steady cadence (report-on-change: bursts, then long quiet
   * stretches), so it is drawn stepped (a value holds until the next report) and only a silence
   * longer than the max gap is a break.
   */
  readonly irregular: boolean;
}

export interface GapOptions {
  /** For an irregular series, the silence that counts as missing data (default MAX_GAP_MS). */
  readonly maxGapMs?: number;
}

/** A report-on-change series is only broken by a silence longer than this. */
export const MAX_GAP_MS = 15 * 60_000;

/**
 * More intervals than this longer than the cadence limit (and at least 2% of them) make a series
 * irregular. A steady device with an outage or two has only those few; a report-on-change sensor
 * has many.
 */
const REGULAR_LONG_INTERVALS = 3;

/**
 * Chart points with a null between buckets that are too far apart, so the chart (spanGaps off)
 * draws missing data as a break instead of a straight line across it. Judged per series from its
 * own cadence: the limit is GAP_STEPS times the larger of the bucket step and the series' median
 * spacing (a device reporting every 10 s seen through 1 s buckets is not missing nine readings
 * out of ten). A series with many intervals over that limit reports on change rather than on a
 * clock, so only a silence longer than both the limit and `maxGapMs` breaks it; otherwise it
 * would be drawn as confetti.
 */
export function lineWithGaps<T extends { readonly ts: number }>(
  items: readonly T[],
  step: number,
  pick: (item: T) => number,
  options: GapOptions = {},
): GapLine {
  const cadenceLimit = GAP_STEPS * Math.max(step, typicalSpacing(items));
  let long = 0;
  for (let i = 1; i < items.length; i++) if (items[i]!.ts - items[i - 1]!.ts > cadenceLimit) long++;
  const irregular = long > Math.max(REGULAR_LONG_INTERVALS, 0.02 * (items.length - 1));
  const limit = irregular ? Math.max(cadenceLimit, options.maxGapMs ?? MAX_GAP_MS) : cadenceLimit;
  const points: XY[] = [];
  let prev: number | null = null;
  for (const item of items) {
    if (prev !== null && item.ts - prev > limit) points.push({ x: prev + step, y: null });
    points.push({ x: item.ts, y: pick(item) });
    prev = item.ts;
  }
  return { points, irregular };
}

/** The points of lineWithGaps alone. */
export function withGaps<T extends { readonly ts: number }>(
  items: readonly T[],
  step: number,
  pick: (item: T) => number,
  options?: GapOptions,
): XY[] {
  return lineWithGaps(items, step, pick, options).points;
}

/** The median distance between neighbours; 0 for fewer than two items. */
export function typicalSpacing(items: readonly { readonly ts: number }[]): number {
  if (items.length < 2) return 0;
  const gaps: number[] = [];
  for (let i = 1; i < items.length; i++) gaps.push(items[i]!.ts - items[i - 1]!.ts);
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}
