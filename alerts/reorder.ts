import type { TelemetryEntry } from '../domain/reading.ts';

/**
 * Holds forwarded readings briefly and releases them in ts order. With a shared subscription, one
 * device's consecutive messages may be stored by different ingest processes and forwarded in
 * either order; a short hold puts them back in event order before the evaluator, which treats
 * anything older than what it has already seen as late.
 */
export class ReorderBuffer {
  private held: { entry: TelemetryEntry; arrived: number }[] = [];

  constructor(
    private readonly holdMs = 300,
    private readonly maxHeld = 100_000,
  ) {}

  add(entries: readonly TelemetryEntry[], now: number): void {
    for (const entry of entries) this.held.push({ entry, arrived: now });
  }

  /** Entries held at least holdMs (or everything when over the bound), oldest ts first. */
  release(now: number, all = false): TelemetryEntry[] {
    const cutoff = now - this.holdMs;
    const ready: TelemetryEntry[] = [];
    const keep: typeof this.held = [];
    const overflow = this.held.length > this.maxHeld;
    for (const item of this.held) {
      if (all || overflow || item.arrived <= cutoff) ready.push(item.entry);
      else keep.push(item);
    }
    this.held = keep;
    return ready.sort((a, b) => a.ts - b.ts);
  }

  get size(): number {
    return this.held.length;
  }
}
