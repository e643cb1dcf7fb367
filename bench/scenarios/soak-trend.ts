/**
 * Whether a process's memory stayed flat over the soak, from its RSS samples. Pure:
 * tests/unit/bench/stats.test.ts.
 */
import type { RoleUsage } from '../harness/cpu.ts';
import { slope } from '../stats.ts';

/** Flat: the floor of the RSS sawtooth over the last 80% of the run rises by less than this per minute (issue 18: 0.5 MB/min). */
export const FLAT_MB_PER_MIN = 0.5;

export interface MemoryTrend {
  readonly name: string;
  readonly startBytes: number;
  readonly endBytes: number;
  readonly maxBytes: number;
  /** Slope of a line through every sample after the warm-up: swings with the GC sawtooth. */
  readonly mbPerMinute: number;
  /** Slope through the lowest sample of each minute (the heap after a collection): what a leak raises. */
  readonly floorMbPerMinute: number;
  readonly flat: boolean;
}

/**
 * The first fifth is warm-up (caches, JIT, SQLite's page cache filling). A garbage-collected heap
 * is a sawtooth whose teeth are tens of MB, so a line through all samples can tilt by chance;
 * the floor under the teeth (each minute's minimum) rises only when something is kept.
 */
export function memoryTrend(u: Pick<RoleUsage, 'name' | 'rss' | 'rssStartBytes' | 'rssEndBytes' | 'rssMaxBytes'>): MemoryTrend {
  const samples = u.rss;
  const from = samples[Math.floor(samples.length / 5)]?.[0] ?? 0;
  const steady = samples.filter(([t]) => t >= from).map(([t, rss]) => [t / 60, rss / 1_048_576] as const);
  const floors = new Map<number, readonly [number, number]>();
  for (const [minute, mb] of steady) {
    const key = Math.floor(minute);
    const seen = floors.get(key);
    if (!seen || mb < seen[1]) floors.set(key, [minute, mb]);
  }
  const floorMbPerMinute = slope([...floors.values()]);
  return {
    name: u.name,
    startBytes: u.rssStartBytes,
    endBytes: u.rssEndBytes,
    maxBytes: u.rssMaxBytes,
    mbPerMinute: slope(steady),
    floorMbPerMinute,
    flat: floorMbPerMinute < FLAT_MB_PER_MIN,
  };
}
