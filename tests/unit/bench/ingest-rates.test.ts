import { describe, expect, it } from 'vitest';
import { crossing, floodRate, heldRate } from '../../../bench/scenarios/ingest-rates.ts';

describe('ingest rate arithmetic', () => {
  const timeline = [
    [0, 0],
    [1_000, 1_000],
    [2_000, 3_000],
    [3_000, 5_000],
    [4_000, 5_000],
  ] as const;

  it('crossing interpolates between samples', () => {
    expect(crossing(timeline, 2_000)).toBe(1_500);
    expect(crossing(timeline, 5_000)).toBe(3_000);
    expect(crossing(timeline, 6_000)).toBeUndefined();
  });

  it('a flood rate runs from 10% of the final count to all of it', () => {
    // 10% (500) at 500 ms, 100% at 3000 ms: 4500 readings in 2.5 s.
    expect(floodRate(timeline)).toBe(1_800);
  });

  it('a spool cannot look faster than what entered it', () => {
    const landed = [
      [0, 0],
      [1_000, 0],
      [2_000, 0],
      [2_500, 5_000],
    ] as const;
    const entered = [
      [0, 0],
      [1_000, 2_500],
      [2_000, 5_000],
      [2_500, 5_000],
    ] as const;
    // 10% entered at 200 ms, all landed at 2500 ms.
    expect(floodRate(landed, entered)).toBeCloseTo(4_500 / 2.3);
  });

  it('a held rate is published over publishing time when the store kept up, else stored over the time it took', () => {
    expect(heldRate(40_000, 4_000, 4_100)).toBe(10_000);
    expect(heldRate(40_000, 4_000, 8_000)).toBe(5_000);
  });
});
