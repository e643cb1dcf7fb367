/**
 * The arithmetic of the ingest scenario's rates, from timelines of [ms since start, count]
 * polled from the store. Pure: tests/unit/bench/ingest-rates.test.ts.
 */

/**
 * A flood's drain rate: from 10% of the final count to all of it, so the start-up ramp is left
 * out but the end, where a pipeline with buffers (the InfluxDB spool) finishes, is not. With a
 * spool, the 10% mark is taken on what entered it (`entered`), so a forwarder that holds back
 * and then sends everything at once cannot look faster than the readings came in.
 */
export function floodRate(
  timeline: readonly (readonly [number, number])[],
  entered: readonly (readonly [number, number])[] = timeline,
): number {
  const final = timeline[timeline.length - 1]?.[1] ?? 0;
  const t10 = crossing(entered, final * 0.1);
  const t100 = crossing(timeline, final);
  return t10 !== undefined && t100 !== undefined && t100 > t10 ? (final * 0.9) / ((t100 - t10) / 1000) : Number.NaN;
}

/**
 * A run at a set rate: if the store kept up (its last reading landed within 5% of the run, or
 * 250 ms, after the last publish) the rate held is what was published over the publishing time;
 * otherwise what was stored over the time it took.
 */
export function heldRate(stored: number, publishMs: number, lastStoredMs: number): number {
  const keptUp = lastStoredMs - publishMs <= Math.max(250, publishMs * 0.05);
  return stored / ((keptUp ? publishMs : lastStoredMs) / 1000);
}

/** When `values` first reached `level`, interpolated between samples. */
export function crossing(timeline: readonly (readonly [number, number])[], level: number): number | undefined {
  for (let i = 0; i < timeline.length; i++) {
    const [t, v] = timeline[i]!;
    if (v >= level) {
      if (i === 0) return t;
      const [pt, pv] = timeline[i - 1]!;
      return v === pv ? t : pt + ((level - pv) / (v - pv)) * (t - pt);
    }
  }
  return undefined;
}
