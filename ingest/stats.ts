import { Histogram, type BusRejectedCounts, type IngestSnapshot } from '../bus/ingest-stats.ts';
import type { RejectReason } from '../domain/reading.ts';
import type { StoreStats } from '../store/port.ts';
import { sessionTakeovers } from '../lib/mqtt.ts';

/** This process's counters; published as an IngestSnapshot for /metrics. */
export class IngestStats {
  received = 0;
  accepted = 0;
  points = 0;
  ignoredRetained = 0;
  storeErrors = 0;
  unacked = 0;
  readonly rejected = new Map<RejectReason, number>();
  readonly writeLatency = new Histogram();

  constructor(readonly instance: string) {}

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  snapshot(
    forwardDropped: number,
    alertLeader: boolean,
    webhook: IngestSnapshot['webhook'],
    store: StoreStats,
    busRejected: BusRejectedCounts = {},
    now = Date.now(),
  ): IngestSnapshot {
    return {
      instance: this.instance,
      at: now,
      received: this.received,
      accepted: this.accepted,
      points: this.points,
      rejected: Object.fromEntries(this.rejected),
      ignoredRetained: this.ignoredRetained,
      storeErrors: this.storeErrors,
      unacked: this.unacked,
      forwardDropped,
      writeLatency: this.writeLatency.snapshot(),
      alertLeader,
      webhook: { ...webhook },
      store,
      sessionTakeovers: sessionTakeovers.count,
      busRejected,
    };
  }
}
