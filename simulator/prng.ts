/**
 * Seeded randomness. Every device owns independent streams derived from (seed, device index,
 * stream), so a device's values never depend on how many devices run, in which order the
 * scheduler visits them, or whether faults are drawn from another stream.
 */

/** The separate random streams a device draws from. */
export const STREAMS = { signal: 1, anomaly: 2, fault: 3, fleet: 4 } as const;
export type Stream = (typeof STREAMS)[keyof typeof STREAMS];

/** Murmur3's finaliser: spreads nearby inputs (seed 1 vs 2, device 7 vs 8) over all 32 bits. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function deriveSeed(seed: number, deviceIndex: number, stream: Stream): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(deviceIndex + 1, 0x27d4eb2f));
  h = mix32(h ^ Math.imul(stream, 0x165667b1));
  return h;
}

/** mulberry32: tiny, fast, and good enough for test signals (not for anything secret). */
export class Rng {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static for(seed: number, deviceIndex: number, stream: Stream): Rng {
    return new Rng(deriveSeed(seed, deviceIndex, stream));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [low, high). */
  range(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Whole number in [low, high], both ends included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box-Muller); the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    // 1 - next() is in (0, 1], so the log never sees 0.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
