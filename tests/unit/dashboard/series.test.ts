import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../../dashboard/src/lib/api.ts';
import { lineWithGaps, SeriesWindow, typicalSpacing, withGaps } from '../../../dashboard/src/lib/series.ts';

const STEP = 10_000;
const means = (w: SeriesWindow) => w.buckets.map((b) => [b.ts, b.mean, b.min, b.max, b.n]);

describe('SeriesWindow', () => {
  it('holds live readings until history arrives, then keeps only those after it', () => {
    const w = new SeriesWindow();
    w.add(25_000, 99); // already in the history below: the API range includes `to`
    w.add(30_000, 5); // also covered (ts === to)
    w.add(31_000, 7); // new
    const history: HistoryPoint[] = [
      [0, 1, 0, 2],
      [10_000, 3, 3, 3],
      [20_000, 4, 4, 4],
      [30_000, 5, 5, 5],
    ];
    w.setHistory(history, STEP, 30_000);
    expect(means(w)).toEqual([
      [0, 1, 0, 2, 1],
      [10_000, 3, 3, 3, 1],
      [20_000, 4, 4, 4, 1],
      [30_000, 6, 5, 7, 2],
    ]);
  });

  it('folds live readings into step-aligned buckets without doubling any', () => {
    const w = new SeriesWindow();
    w.setHistory([[0, 1, 1, 1]], STEP, 5_000);
    w.add(41_000, 10);
    w.add(45_000, 20);
    w.add(52_000, 3);
    w.add(4_000, 100); // older than history's end: ignored
    expect(means(w)).toEqual([
      [0, 1, 1, 1, 1],
      [40_000, 15, 10, 20, 2],
      [50_000, 3, 3, 3, 1],
    ]);
  });

  it('puts a late reading into its own bucket in time order', () => {
    const w = new SeriesWindow();
    w.setHistory([], STEP, 0);
    w.add(50_000, 1);
    w.add(30_000, 2);
    w.add(40_000, 3);
    expect(w.buckets.map((b) => b.ts)).toEqual([30_000, 40_000, 50_000]);
  });

  it('skips empty buckets and fills a missing min/max from the mean', () => {
    const w = new SeriesWindow();
    w.setHistory(
      [
        [0, null, null, null],
        [10_000, 2, null, null],
      ],
      STEP,
      10_000,
    );
    expect(means(w)).toEqual([[10_000, 2, 2, 2, 1]]);
  });

  it('takes covered readings as in the history until settled, and flags a backlog it may lack', () => {
    const w = new SeriesWindow();
    w.setHistory([[0, 1, 1, 1]], STEP, 30_000);
    w.add(29_000, 5); // just before `to`: a live reading the history already held
    expect(w.suspect).toBe(false);
    w.add(5_000, 7); // far older than `to`, arriving now: a device's backlog the history may lack
    expect(w.suspect).toBe(true);
    expect(w.buckets).toHaveLength(1);
    w.settle();
    // From now on nothing can be in the history: a late reading is folded in where it belongs.
    w.add(12_000, 9);
    expect(means(w)).toEqual([
      [0, 1, 1, 1, 1],
      [10_000, 9, 9, 9, 1],
    ]);
  });

  it('flags readings it had to drop while waiting for history', () => {
    const w = new SeriesWindow();
    for (let i = 0; i < 10_001; i++) w.add(40_000 + i, 1);
    expect(w.suspect).toBe(true);
  });

  it('trims buckets that fell out of the window', () => {
    const w = new SeriesWindow();
    w.setHistory(
      [
        [0, 1, 1, 1],
        [10_000, 2, 2, 2],
        [20_000, 3, 3, 3],
      ],
      STEP,
      20_000,
    );
    w.trim(15_000);
    expect(w.buckets.map((b) => b.ts)).toEqual([10_000, 20_000]);
    w.trim(100_000);
    expect(w.buckets).toEqual([]);
  });
});

describe('withGaps', () => {
  const pts = (...ts: number[]) => ts.map((t) => ({ ts: t, v: t / 1000 }));

  it('inserts a null where buckets are more than 2.5 steps apart', () => {
    expect(withGaps(pts(0, 10_000, 20_000, 60_000, 70_000), STEP, (p) => p.v)).toEqual([
      { x: 0, y: 0 },
      { x: 10_000, y: 10 },
      { x: 20_000, y: 20 },
      { x: 30_000, y: null },
      { x: 60_000, y: 60 },
      { x: 70_000, y: 70 },
    ]);
  });

  it('keeps points up to 2.5 steps apart joined', () => {
    expect(withGaps(pts(0, 10_000, 20_000, 45_000), STEP, (p) => p.v).some((p) => p.y === null)).toBe(false);
    expect(withGaps(pts(0, 10_000, 20_000, 45_001), STEP, (p) => p.v)).toHaveLength(5);
  });

  it('measures gaps against the usual spacing when a device reports less often than a bucket', () => {
    // Every 10 s through 1 s buckets, with one 60 s silence.
    const sparse = pts(0, 10_000, 20_000, 30_000, 90_000, 100_000);
    expect(typicalSpacing(sparse)).toBe(10_000);
    const line = withGaps(sparse, 1_000, (p) => p.v);
    expect(line.filter((p) => p.y === null)).toEqual([{ x: 31_000, y: null }]);
  });

  it('handles empty and single-point series', () => {
    expect(withGaps([], STEP, () => 0)).toEqual([]);
    expect(withGaps(pts(5_000), STEP, (p) => p.v)).toEqual([{ x: 5_000, y: 5 }]);
  });
});

describe('gaps judged per series from its own cadence', () => {
  const MINUTE = 60_000;
  /**
   * A Zigbee-style report-on-change sensor over an hour: 140 reports in 20 bursts of 7, 5 s apart,
   * each followed by one to four quiet minutes (the shape that was drawn as 52 fragments).
   */
  function reportOnChange(): { ts: number; v: number }[] {
    const out: { ts: number; v: number }[] = [];
    let t = 0;
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 7; i++) {
        out.push({ ts: t, v: 20 + burst / 10 });
        t += 5_000;
      }
      t += ((burst % 4) + 1) * MINUTE;
    }
    return out;
  }
  const steady = (from: number, to: number, every: number) => {
    const out: { ts: number; v: number }[] = [];
    for (let t = from; t < to; t += every) out.push({ ts: t, v: 1 });
    return out;
  };

  it('draws a report-on-change sensor as one connected, stepped line', () => {
    const points = reportOnChange();
    expect(points).toHaveLength(140);
    const line = lineWithGaps(points, 3_000, (p) => p.v);
    expect(line.irregular).toBe(true);
    expect(line.points.filter((p) => p.y === null)).toHaveLength(0);
  });

  it('still breaks a report-on-change sensor where it was silent for longer than the max gap', () => {
    const points = reportOnChange();
    const later = points.map((p) => ({ ...p, ts: p.ts + points.at(-1)!.ts + 20 * MINUTE }));
    const line = lineWithGaps([...points, ...later], 3_000, (p) => p.v);
    expect(line.points.filter((p) => p.y === null)).toHaveLength(1);
    // The limit is configurable.
    expect(lineWithGaps([...points, ...later], 3_000, (p) => p.v, { maxGapMs: 30 * MINUTE }).points.some((p) => p.y === null)).toBe(false);
  });

  it('still draws a real outage of a steady device as a gap, even a short one', () => {
    // Every 2 s for 20 min, silent for 90 s, then again.
    const points = [...steady(0, 20 * MINUTE, 2_000), ...steady(20 * MINUTE + 90_000, 40 * MINUTE, 2_000)];
    const line = lineWithGaps(points, 2_000, (p) => p.v);
    expect(line.irregular).toBe(false);
    expect(line.points.filter((p) => p.y === null)).toHaveLength(1);
  });

  it('counts a revision for every change of what the series draws, and none for a no-op trim', () => {
    const w = new SeriesWindow();
    w.setHistory([[0, 1, 1, 1]], STEP, 5_000);
    const first = w.revision;
    w.settle();
    w.add(20_000, 2);
    expect(w.revision).toBe(first + 1);
    w.trim(-1);
    expect(w.revision).toBe(first + 1);
    w.trim(15_000);
    expect(w.revision).toBe(first + 2);
  });
});
