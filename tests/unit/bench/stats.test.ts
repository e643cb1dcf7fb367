import { describe, expect, it } from 'vitest';
import { Histogram, median, percentile, ratio, slope } from '../../../bench/stats.ts';

describe('percentile (nearest rank)', () => {
  it('picks the value at the rank, never between two', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 99.9)).toBe(100);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('is NaN for no values and the value itself for one', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
  });

  it('median sorts first', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
});

describe('Histogram', () => {
  it('reports the upper edge of the bucket holding the percentile, capped at the max seen', () => {
    const h = new Histogram(1, 1_000);
    for (let i = 1; i <= 100; i++) h.record(i - 0.5);
    expect(h.percentile(50)).toBe(50);
    expect(h.percentile(99)).toBe(99);
    expect(h.summary().max).toBe(99.5);
    expect(h.percentile(100)).toBe(99.5);
  });

  it('counts values past its limit as overflow and still reports them in max', () => {
    const h = new Histogram(1, 10);
    h.record(5);
    h.record(50);
    expect(h.overflow).toBe(1);
    expect(h.total).toBe(2);
    expect(h.percentile(100)).toBe(50);
  });

  it('takes a negative latency (clock rounding) as zero', () => {
    const h = new Histogram(0.1, 10);
    h.record(-0.4);
    expect(h.counts[0]).toBe(1);
    expect(h.percentile(50)).toBe(0);
  });

  it('merges sparse histograms from several processes exactly', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 1_000; i++) (i % 2 ? a : b).record(i / 10);
    const merged = new Histogram();
    merged.merge(a.toSparse());
    merged.merge(b.toSparse());
    const whole = new Histogram();
    for (let i = 0; i < 1_000; i++) whole.record(i / 10);
    expect(merged.summary()).toEqual(whole.summary());
  });

  it('refuses to merge a histogram of another shape', () => {
    expect(() => new Histogram(0.1, 10).merge(new Histogram(1, 10).toSparse())).toThrow(/different shapes/);
  });
});

describe('ratio and slope', () => {
  it('ratio is undefined when there is nothing to compare against', () => {
    expect(ratio(10, 5)).toBe(2);
    expect(ratio(10, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 5)).toBeUndefined();
  });

  it('slope fits a least-squares line', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 4],
        [1, 4],
        [2, 4],
      ]),
    ).toBe(0);
    expect(slope([[0, 1]])).toBe(0);
  });
});

describe('soak memory trend', () => {
  it('reads a GC sawtooth without growth as flat, and a rising floor as growth', async () => {
    const { memoryTrend } = await import('../../../bench/scenarios/soak-trend.ts');
    const MB = 1_048_576;
    // Ten minutes, a sample every 5 s, teeth of 75 MB every 30 s, higher ones late in the run.
    const saw = Array.from({ length: 121 }, (_, i) => [i * 5, (170 + (i % 6) * 15 + (i > 100 && i % 6 === 5 ? 30 : 0)) * MB] as const);
    const flat = memoryTrend({ name: 'api', rss: saw, rssStartBytes: 0, rssEndBytes: 0, rssMaxBytes: 0 });
    expect(flat.floorMbPerMinute).toBeCloseTo(0, 5);
    expect(flat.mbPerMinute).toBeGreaterThan(0.5);
    expect(flat.flat).toBe(true);
    const leak = memoryTrend({
      name: 'api',
      rss: saw.map(([t, b]) => [t, b + t * 0.05 * MB] as const),
      rssStartBytes: 0,
      rssEndBytes: 0,
      rssMaxBytes: 0,
    });
    expect(leak.floorMbPerMinute).toBeGreaterThan(2);
    expect(leak.flat).toBe(false);
  });
});
