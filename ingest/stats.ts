import type { RejectReason } from '../common/reading.ts';

/** Plain counters; /metrics exposes them (the API aggregates what ingest processes report). */
export class IngestStats {
  received = 0;
  accepted = 0;
  points = 0;
  ignoredRetained = 0;
  storeErrors = 0;
  readonly rejected = new Map<RejectReason, number>();

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  totalRejected(): number {
    let total = 0;
    for (const n of this.rejected.values()) total += n;
    return total;
  }
}
