import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, type TurnResult } from '../../../simulator/scheduler.ts';
import { formatProgress } from '../../../simulator/progress.ts';
import { RateMeter } from '../../../simulator/stats.ts';

describe('scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function run(
    options: { devices: number; rate?: number; intervalMs?: number; budget?: number; turn?: (i: number) => TurnResult },
    ms: number,
  ) {
    const turns: number[] = [];
    let exhausted = 0;
    const scheduler = new Scheduler({
      devices: options.devices,
      schedule:
        options.rate !== undefined
          ? { kind: 'rate', perSecond: options.rate }
          : { kind: 'interval', intervalMs: options.intervalMs ?? 1000 },
      budget: options.budget,
      turn: (i) => {
        turns.push(i);
        return options.turn ? options.turn(i) : 'sent';
      },
      exhausted: () => exhausted++,
    });
    scheduler.start();
    vi.advanceTimersByTime(ms);
    scheduler.stop();
    return { turns, exhausted, scheduler };
  }

  it('holds a total rate across devices, round-robin', () => {
    const { turns } = run({ devices: 7, rate: 500 }, 4_000);
    expect(turns.length).toBeGreaterThan(1_950);
    expect(turns.length).toBeLessThan(2_060);
    const perDevice = Array.from({ length: 7 }, (_, i) => turns.filter((t) => t === i).length);
    expect(Math.max(...perDevice) - Math.min(...perDevice)).toBeLessThanOrEqual(1);
  });

  it('holds low rates too', () => {
    expect(run({ devices: 3, rate: 2 }, 10_000).turns.length).toBeGreaterThanOrEqual(19);
    expect(run({ devices: 3, rate: 2 }, 10_000).turns.length).toBeLessThanOrEqual(21);
  });

  it('gives each device one turn per interval, staggered across the fleet', () => {
    const { turns } = run({ devices: 4, intervalMs: 1000 }, 3_999);
    expect(turns).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('stops after exactly the budget and says so once', () => {
    const rate = run({ devices: 5, rate: 100_000, budget: 1234 }, 5_000);
    expect(rate.turns).toHaveLength(1234);
    expect(rate.exhausted).toBe(1);
    const interval = run({ devices: 5, intervalMs: 10, budget: 77 }, 5_000);
    expect(interval.turns).toHaveLength(77);
    expect(interval.exhausted).toBe(1);
  });

  it('splits the budget into fixed per-device shares, so a busy device still sends its part', () => {
    for (const schedule of [{ rate: 1000 }, { intervalMs: 10 }]) {
      const sent = [0, 0, 0];
      // Device 2 is busy for the first 100 ms, as a slow connection would be: the others must not
      // take its part of the budget, or the split (and with it a seed's replay) depends on timing.
      run(
        {
          devices: 3,
          budget: 31,
          ...schedule,
          turn: (i) => {
            if (i === 2 && performance.now() < 100) return 'busy';
            sent[i]!++;
            return 'sent';
          },
        },
        5_000,
      );
      expect(sent).toEqual([11, 10, 10]);
    }
  });

  it('does not spend the budget on idle turns, nor lose busy devices', () => {
    let calls = 0;
    const { turns } = run({ devices: 2, rate: 1000, budget: 50, turn: () => (++calls % 3 === 0 ? 'idle' : 'sent') }, 5_000);
    expect(turns.length).toBe(74);
    let busy = true;
    const interval = run({ devices: 1, intervalMs: 100, turn: () => ((busy = !busy) ? 'busy' : 'sent') }, 1_050);
    // Each due turn is retried after a busy answer rather than skipped.
    expect(interval.turns.filter((_, i) => i % 2 === 0).length).toBeGreaterThanOrEqual(10);
  });
});

describe('rate meter and progress line', () => {
  it('measures messages per second over the last second', () => {
    const meter = new RateMeter(1000);
    for (let t = 0; t <= 3000; t += 200) meter.mark(t, t * 5);
    expect(meter.rate(3000, 15_000)).toBeCloseTo(5000, -1);
  });

  it('prints sent, rate, errors and connections on one line', () => {
    const line = formatProgress({ sent: 12345, entries: 12345, errors: 2, rate: 4321.4, connected: 99, devices: 100, elapsedMs: 75_000 });
    expect(line).toBe('simulate 01:15  sent 12,345  4,321 msg/s  errors 2  connected 99/100');
  });
});
