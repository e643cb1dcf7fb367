/** Why a write to the backend failed, as the InfluxDB store classifies it (docs/storage.md). */
export type WriteErrorClass = 'partial' | 'transient' | 'timeout' | 'permanent' | 'too_large' | 'no_database';

/**
 * Figures for /metrics. Counters only grow; gauges (`spooled*`) are the present value. Both stores
 * report the same shape so /metrics need not know which one runs.
 */
export interface StoreStats {
  /** Readings (one metric value each) made durable and not yet confirmed by the backend: the InfluxDB spool; always 0 for SQLite. */
  readonly unackedReadings: number;
  /** Spool rows waiting (one per entry or status change); 0 for SQLite. */
  readonly spooledRows: number;
  /** Readings the backend confirmed (SQLite: committed; InfluxDB: answered 204), duplicates included. */
  readonly readingsWritten: number;
  /** Readings older than RETENTION when they arrived: not stored (they would be deleted at once). */
  readonly droppedOutsideRetention: number;
  /** Lines the backend refused for good, as it counted them (InfluxDB partial writes: type conflicts, beyond its RP). */
  readonly droppedByBackend: number;
  readonly writeErrors: Readonly<Record<WriteErrorClass, number>>;
  /** Backend write requests (InfluxDB) or transactions (SQLite) and their wall time. */
  readonly writeLatency: { readonly count: number; readonly sumMs: number; readonly maxMs: number };
  /** Set while the backend refuses writes for a reason retrying will not fix (bad credentials, missing RP). */
  readonly blockedBy: string | null;
}

/**
 * What each ingest process reports about itself, every second, on VIGIL_TOPICS.stats; the API
 * processes expose it on /metrics with an `instance` label, so one scrape of any API sees the
 * whole ingest tier.
 */
export interface LatencyHistogram {
  /** Upper bounds in seconds, ascending; the last bucket (+Inf) is implied. */
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative; length bounds.length + 1. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export interface IngestSnapshot {
  readonly instance: string;
  readonly at: number;
  readonly received: number;
  readonly accepted: number;
  readonly points: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly ignoredRetained: number;
  readonly storeErrors: number;
  /** QoS 1 messages held unacknowledged because the store could not take them yet. */
  readonly unacked: number;
  /** Readings that could not be forwarded live (the store has them). */
  readonly forwardDropped: number;
  readonly writeLatency: LatencyHistogram;
  /** True for the one ingest process that evaluates alerts right now. */
  readonly alertLeader: boolean;
  /** Alert webhook deliveries from this process (all zero without ALERT_WEBHOOK_URL). */
  readonly webhook: { readonly delivered: number; readonly failures: number; readonly dropped: number; readonly queued: number };
  /** The store as this process writes to it (the InfluxDB spool, SQLite commits). */
  readonly store: StoreStats;
  /** Times another MQTT client took this process's session (lib/mqtt.ts); absent from older ingests. */
  readonly sessionTakeovers?: number;
}

export const WRITE_LATENCY_BOUNDS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[] = WRITE_LATENCY_BOUNDS) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  snapshot(): LatencyHistogram {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}
