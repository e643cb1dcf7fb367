import { describe, expect, it } from 'vitest';
import { highestUnqueued, stepVerdict, type StepFigures } from '../../../bench/scenarios/latency-steps.ts';

const lat = (p50: number, p99: number) => ({ count: 1_000, p50, p90: p99, p99, p999: p99, max: p99 });
const step = (over: Partial<StepFigures> = {}): StepFigures => ({
  rate: 5_000,
  offered: 5_000,
  latency: lat(8, 30),
  forwarded: lat(5, 20),
  perClientMin: 50_000,
  expected: 50_000,
  dropped: 0,
  ...over,
});

describe('latency step-up verdicts', () => {
  it('a step at its baseline tail has not queued', () => {
    expect(stepVerdict(step(), 25)).toEqual({ queued: false });
  });

  it('queues when the simulator could not offer the rate', () => {
    expect(stepVerdict(step({ offered: 4_500 }), 25)).toMatchObject({ queued: true });
  });

  it('queues when a client fell behind or was dropped', () => {
    expect(stepVerdict(step({ perClientMin: 49_000 }), 25)).toMatchObject({ queued: true });
    expect(stepVerdict(step({ dropped: 1 }), 25)).toMatchObject({ queued: true });
  });

  it("queues when ingest's share passes 100 ms", () => {
    expect(stepVerdict(step({ forwarded: lat(40, 150) }), 25)).toMatchObject({ queued: true, why: expect.stringContaining('ingest') });
  });

  it('queues when the p99 passes both 100 ms and 4x the first step', () => {
    expect(stepVerdict(step({ latency: lat(20, 90) }), 10)).toEqual({ queued: false });
    expect(stepVerdict(step({ latency: lat(20, 130) }), 10)).toMatchObject({ queued: true });
    expect(stepVerdict(step({ latency: lat(20, 130) }), 40)).toEqual({ queued: false });
  });

  it('the highest rate is the last step before the first that queued', () => {
    const ok = { queued: false } as const;
    const bad = { queued: true, why: 'x' } as const;
    expect(
      highestUnqueued([
        { rate: 1_000, verdict: ok },
        { rate: 2_000, verdict: ok },
        { rate: 3_000, verdict: bad },
        { rate: 5_000, verdict: ok },
      ]),
    ).toBe(2_000);
    expect(highestUnqueued([{ rate: 1_000, verdict: bad }])).toBeUndefined();
  });
});
