/**
 * One-minute rollups of `telemetry` that Vigil keeps itself (no continuous queries, no SELECT
 * INTO), so they work the same on InfluxDB 1.x, 2.x and 3.x. Every rollup point is recomputed
 * from InfluxDB's raw data (sum, count, min, max GROUP BY time(1m), device) and written over the
 * old one, so duplicates, redeliveries and several ingest processes all give the same point.
 *
 * The rolled range [since, until) lives in measurement `vigil_rollups` (newest point wins; every
 * process merges it with its own: lowest since, highest until). The history reader takes the
 * whole minutes inside that range from `telemetry_1m` and everything else from raw points.
 *
 * - Forward: every interval, the minutes that ended at least `settleMs` ago are rolled for every
 *   device and `until` moves past them.
 * - Late writes: after the forwarder drained a batch, the minutes it touched are marked dirty;
 *   a dirty minute inside [since, until) is recomputed once it has been quiet for `settleMs`.
 *   So a reading written into an already rolled minute shows in long ranges after at most
 *   settleMs + intervalMs (by whichever process wrote it).
 * - Backfill: raw data older than `since` (a first start over existing data, old readings
 *   replayed) is rolled backwards in chunks, skipping empty stretches, and `since` moves down.
 */
import { RateLimitedLog, type Logger } from '../../lib/logger.ts';
import { ROLLUP_MS } from '../buckets.ts';
import { DEVICE_TAG, DEVICE_TAG_REF, MEASUREMENT, ROLLUP_META_MEASUREMENT, durationLiteral, quoteIdent, timeLiteral } from './influxql.ts';
import { classifyWriteError } from './errors.ts';
import { rollupLine, rollupMetaLine, type MinuteSummary } from './lines.ts';
import type { InfluxHttp } from './transport.ts';

export interface RolledRange {
  readonly since: number;
  readonly until: number;
}

export interface RollupOptions {
  readonly http: InfluxHttp;
  readonly logger: Logger;
  readonly now: () => number;
  /** How long a minute must be over and unwritten before it is rolled. Default 30 s. */
  readonly settleMs?: number;
  /** How often the job runs. Default 10 s. */
  readonly intervalMs?: number;
  /** Most dirty minutes kept one by one; past it they fold into one range. Default 50,000. */
  readonly maxDirty?: number;
}

/** Minutes recomputed per query: 6 hours. */
const CHUNK_MS = 6 * 60 * ROLLUP_MS;

function minuteOf(ts: number): number {
  return ts - (((ts % ROLLUP_MS) + ROLLUP_MS) % ROLLUP_MS);
}

export class RollupJob {
  private readonly settleMs: number;
  private readonly intervalMs: number;
  private readonly maxDirty: number;
  private readonly warn: RateLimitedLog;
  /** Rolled range as last read or written; undefined until read from InfluxDB. */
  private range: RolledRange | undefined;
  /** Dirty minute -> when it was last written. */
  private readonly dirty = new Map<number, number>();
  /** Dirty minutes past maxDirty: one range, recomputed in chunks. */
  private spill: { lo: number; hi: number; touched: number } | undefined;
  /** Raw data may lie before `since`. */
  private backfill = true;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RollupOptions) {
    this.settleMs = options.settleMs ?? 30_000;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.maxDirty = options.maxDirty ?? 50_000;
    this.warn = new RateLimitedLog(options.logger, 60_000);
  }

  /** What the reader may take from the rollups (undefined: nothing yet). */
  get rolled(): RolledRange | undefined {
    return this.range && this.range.since < this.range.until ? this.range : undefined;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      if (!this.running)
        void this.cycle(false).catch((err: unknown) => this.warn.warn('rollup', { err }, 'InfluxDB rollup failed; retrying'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** The forwarder wrote these telemetry timestamps to InfluxDB. */
  markWritten(timestamps: Iterable<number>): void {
    const at = this.options.now();
    for (const ts of timestamps) {
      const minute = minuteOf(ts);
      if (this.range && minute < this.range.since) this.backfill = true;
      if (this.dirty.has(minute) || this.dirty.size < this.maxDirty) this.dirty.set(minute, at);
      else this.spill = { lo: Math.min(this.spill?.lo ?? minute, minute), hi: Math.max(this.spill?.hi ?? minute, minute), touched: at };
    }
  }

  /** Rolls everything written so far, settled or not (tests, the benchmark): the current minute stays raw. */
  async rollupNow(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    await this.cycle(true);
  }

  private cycle(now: boolean): Promise<void> {
    const run = this.runCycle(now).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async runCycle(all: boolean): Promise<void> {
    const started = this.options.now();
    const settle = all ? 0 : this.settleMs;
    const range = await this.merged(started);
    let { since, until } = range;
    // Forward: minutes that ended settle ago, for every device.
    const end = minuteOf(started - settle);
    for (let lo = until; lo < end && !this.stopped; lo = Math.min(end, lo + CHUNK_MS)) {
      await this.roll(lo, Math.min(end, lo + CHUNK_MS));
      until = Math.min(end, lo + CHUNK_MS);
      this.forget(range.until, until, started);
    }
    // Late writes into rolled minutes, once quiet.
    await this.rollDirty(since, until, started, settle);
    try {
      since = await this.backfillFrom(since, all);
    } finally {
      // What was rolled forward counts even when the backfill failed.
      if (since !== range.since || until !== range.until) {
        await this.options.http.write(rollupMetaLine(since, until));
        this.range = { since, until };
      }
    }
  }

  /** Rolls raw data older than since backwards (one chunk per run, all of it for rollupNow); returns the new since. */
  private async backfillFrom(since: number, all: boolean): Promise<number> {
    while (this.backfill && !this.stopped) {
      const latest = await this.latestBefore(since);
      if (latest === undefined) {
        this.backfill = false;
        break;
      }
      const hi = minuteOf(latest) + ROLLUP_MS;
      const lo = Math.max(0, hi - CHUNK_MS);
      await this.roll(lo, hi);
      since = lo;
      if (!all) break;
    }
    return since;
  }

  /** The stored range merged with this process's: another process may have rolled further. */
  private async merged(now: number): Promise<RolledRange> {
    const statement = `SELECT last(${quoteIdent('since')}), last(${quoteIdent('until')}) FROM ${quoteIdent(ROLLUP_META_MEASUREMENT)}`;
    const row = (await this.options.http.queryOne(statement))[0]?.values[0];
    const stored = row && typeof row[1] === 'number' && typeof row[2] === 'number' ? { since: row[1], until: row[2] } : undefined;
    const mine = this.range;
    if (!stored && !mine) {
      // Nothing rolled yet: start at the current minute, backfill whatever lies before.
      const start = minuteOf(now);
      return (this.range = { since: start, until: start });
    }
    const since = Math.min(stored?.since ?? Number.POSITIVE_INFINITY, mine?.since ?? Number.POSITIVE_INFINITY);
    const until = Math.max(stored?.until ?? 0, mine?.until ?? 0);
    return (this.range = { since, until });
  }

  /** Dirty marks in [lo, hi) written before `before` are covered by a roll that started then. */
  private forget(lo: number, hi: number, before: number): void {
    for (const [minute, touched] of this.dirty) if (minute >= lo && minute < hi && touched < before) this.dirty.delete(minute);
  }

  private async rollDirty(since: number, until: number, started: number, settle: number): Promise<void> {
    const quiet = started - settle;
    const ready = [...this.dirty.entries()]
      .filter(([minute, touched]) => touched <= quiet && minute >= since && minute < until)
      .map(([minute]) => minute)
      .sort((a, b) => a - b);
    // Contiguous runs, a chunk at most per query.
    let i = 0;
    while (i < ready.length && !this.stopped) {
      const lo = ready[i]!;
      let hi = lo + ROLLUP_MS;
      while (i + 1 < ready.length && ready[i + 1] === hi && hi - lo < CHUNK_MS) {
        i++;
        hi += ROLLUP_MS;
      }
      i++;
      await this.roll(lo, hi);
      this.forget(lo, hi, started);
    }
    // Minutes outside [since, until) are covered by the forward roll or the backfill.
    for (const minute of this.dirty.keys()) if (minute >= until || minute < since) this.dirty.delete(minute);
    const spill = this.spill;
    if (spill && spill.touched <= quiet) {
      this.spill = undefined;
      const lo = Math.max(spill.lo, since);
      const hi = Math.min(spill.hi + ROLLUP_MS, until);
      for (let at = lo; at < hi && !this.stopped; at += CHUNK_MS) await this.roll(at, Math.min(hi, at + CHUNK_MS));
    }
  }

  private async latestBefore(since: number): Promise<number | undefined> {
    if (since <= 0) return undefined;
    const statement = `SELECT * FROM ${quoteIdent(MEASUREMENT)} WHERE time < ${timeLiteral(since)} ORDER BY time DESC LIMIT 1`;
    const ts = (await this.options.http.queryOne(statement))[0]?.values[0]?.[0];
    return typeof ts === 'number' ? ts : undefined;
  }

  /** Recomputes the minutes [lo, hi) of every device from raw points and writes them over the old rollups. */
  private async roll(lo: number, hi: number): Promise<void> {
    if (lo >= hi) return;
    const keys = await this.fieldKeys();
    if (keys.length === 0) return;
    const columns = keys.flatMap((key, i) => {
      const f = `${quoteIdent(key)}::field`;
      return [`sum(${f}) AS "s${i}"`, `count(${f}) AS "n${i}"`, `min(${f}) AS "l${i}"`, `max(${f}) AS "h${i}"`];
    });
    const statement = `SELECT ${columns.join(', ')} FROM ${quoteIdent(MEASUREMENT)} WHERE time >= ${timeLiteral(lo)} AND time < ${timeLiteral(hi)} GROUP BY time(${durationLiteral(ROLLUP_MS)}), ${DEVICE_TAG_REF} fill(none)`;
    const lines: string[] = [];
    for (const series of await this.options.http.queryOne(statement)) {
      const device = series.tags?.[DEVICE_TAG];
      if (device === undefined || device === '') continue;
      for (const row of series.values) {
        const minute = row[0];
        if (typeof minute !== 'number') continue;
        const fields: MinuteSummary[] = [];
        keys.forEach((field, i) => {
          const [sum, n, low, high] = row.slice(1 + 4 * i, 5 + 4 * i);
          if (typeof sum === 'number' && typeof n === 'number' && n > 0 && typeof low === 'number' && typeof high === 'number') {
            fields.push({ field, n, sum, lo: low, hi: high });
          }
        });
        if (fields.length > 0) lines.push(rollupLine(device, minute, fields));
      }
    }
    for (let i = 0; i < lines.length; i += 5_000) {
      try {
        await this.options.http.write(lines.slice(i, i + 5_000).join('\n'));
      } catch (err) {
        // Minutes past the retention policy (raw points linger until their shard expires) are
        // refused; InfluxDB kept the others.
        if (classifyWriteError(err).kind !== 'partial') throw err;
      }
    }
  }

  private async fieldKeys(): Promise<string[]> {
    const series = await this.options.http.queryOne(`SHOW FIELD KEYS FROM ${quoteIdent(MEASUREMENT)}`);
    return (series[0]?.values ?? []).map((row) => row[0]).filter((key): key is string => typeof key === 'string');
  }
}
