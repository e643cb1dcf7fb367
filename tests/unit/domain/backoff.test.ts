import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '../../../domain/backoff.ts';

describe('backoffCeiling', () => {
  it.each([
    // failures so far, base, max, ceiling
    [1, 250, 60_000, 250],
    [2, 250, 60_000, 500],
    [3, 250, 60_000, 1_000],
    [8, 250, 60_000, 32_000],
    [9, 250, 60_000, 60_000],
    [1_000, 250, 60_000, 60_000],
    [3, 10, 25, 25],
    [0, 100, 1_000, 100],
    [-5, 100, 1_000, 100],
  ] as const)('after %i failures (base %i ms, cap %i ms) is %i ms', (failures, base, max, expected) => {
    expect(backoffCeiling(failures, { baseMs: base, maxMs: max })).toBe(expected);
  });
});

describe('backoffDelay', () => {
  const policy = { baseMs: 1_000, maxMs: 30_000 };

  it('draws from the upper half of the ceiling', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 0.999_999)).toBe(1_000);
    expect(backoffDelay(4, policy, () => 0.5)).toBe(6_000);
    for (let failures = 1; failures < 12; failures++) {
      const ceiling = backoffCeiling(failures, policy);
      for (let i = 0; i < 20; i++) {
        const delay = backoffDelay(failures, policy);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spreads clients that failed together (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('stays within bounds for a random() outside [0, 1)', () => {
    expect(backoffDelay(1, policy, () => 7)).toBe(1_000);
    expect(backoffDelay(1, policy, () => -1)).toBe(500);
  });
});
