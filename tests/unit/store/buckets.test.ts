import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketStep } from '../../../store/buckets.ts';

/** How many step-wide buckets, aligned to multiples of step since the epoch, [from, to] touches. */
function bucketsTouched(from: number, to: number, step: number): number {
  return Math.floor(to / step) - Math.floor(from / step) + 1;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('bucketStep', () => {
  it.each([
    [0, HOUR, 500],
    [1_732_430_000_123, 1_732_430_000_123 + HOUR, 500],
    [1_732_430_000_123, 1_732_430_000_123 + 7 * DAY, 5_000],
    [1_732_430_000_123, 1_732_430_000_123 + 5 * 60_000, 2],
    [1_732_430_000_123, 1_732_430_000_124, 500],
  ])('[%d, %d] in at most %d buckets', (from, to, points) => {
    const step = bucketStep(from, to, points);
    expect(Number.isInteger(step)).toBe(true);
    expect(step).toBeGreaterThanOrEqual(1);
    expect(bucketsTouched(from, to, step)).toBeLessThanOrEqual(points);
  });

  it('puts a point-in-time range in one bucket', () => {
    const at = 1_732_430_000_123;
    expect(bucketsTouched(at, at, bucketStep(at, at, 500))).toBe(1);
  });

  it('uses millisecond buckets when the range has room for them', () => {
    expect(bucketStep(1_000, 1_099, 500)).toBe(1);
  });

  it('never yields more than `points` epoch-aligned buckets over [from, to]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 400 * DAY }),
        fc.integer({ min: 1, max: 5_000 }),
        (from, span, points) => {
          const to = from + span;
          const step = bucketStep(from, to, points);
          expect(Number.isInteger(step)).toBe(true);
          expect(step).toBeGreaterThanOrEqual(1);
          expect(bucketsTouched(from, to, step)).toBeLessThanOrEqual(points);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('does not waste the budget: at least half the requested buckets on long ranges', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: HOUR, max: 400 * DAY }),
        fc.integer({ min: 10, max: 5_000 }),
        (from, span, points) => {
          const step = bucketStep(from, from + span, points);
          expect(bucketsTouched(from, from + span, step)).toBeGreaterThanOrEqual(Math.floor(points / 2));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
