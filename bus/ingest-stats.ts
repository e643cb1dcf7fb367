/**
 * vigil/stats/ingest: what each ingest process reports about itself, every second. Heard by every
 * API (/api/health, and vigil_ingest_instances in /metrics), every alerter (leader election) and the ingest
 * container's health check (scripts/healthcheck.mjs).
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN } from '../lib/config.ts';
import { REJECT_REASONS } from '../domain/reading.ts';
import { VIGIL_TOPIC_NAMES, VIGIL_TOPICS, type VigilTopic } from './topics.ts';
import { BUS_REJECT_REASONS, boundedString, countSchema, defineKind, keyedRecord, tsSchema, type BusRejectReason } from './wire.ts';

/** Why a write to the backend failed, as the InfluxDB store classifies it (docs/storage.md). */
export const WRITE_ERROR_CLASSES = ['partial', 'transient', 'timeout', 'permanent', 'too_large', 'no_database'] as const;
export type WriteErrorClass = (typeof WRITE_ERROR_CLASSES)[number];

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
 * What each ingest process reports about itself, every second, on VIGIL_TOPICS.stats. The API
 * judges store health from it and counts the instances it hears; it re-exports no counter (each
 * ingest serves its own /metrics on INGEST_METRICS_PORT).
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
  readonly webhook: {
    readonly delivered: number;
    readonly failures: number;
    readonly dropped: number;
    /** Refused for good by the receiver (4xx); 0 from older ingests. */
    readonly rejected?: number;
    readonly queued: number;
  };
  /** The store as this process writes to it (the InfluxDB spool, SQLite commits). */
  readonly store: StoreStats;
  /** Times another MQTT client took this process's session (lib/mqtt.ts); absent from older ingests. */
  readonly sessionTakeovers?: number;
  /** Messages this process's alerter refused on Vigil topics (bus/rejections.ts); absent from older ingest. */
  readonly busRejected: BusRejectedCounts;
}

/** Rejections by topic and reason; both key sets are closed, so this cannot grow labels. */
export type BusRejectedCounts = Readonly<Partial<Record<VigilTopic, Readonly<Partial<Record<BusRejectReason, number>>>>>>;

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

/** A snapshot is about 2 KiB; this leaves room for every topic x reason counter. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024;
/** Histogram buckets a snapshot may carry (WRITE_LATENCY_BOUNDS has 12). */
export const MAX_HISTOGRAM_BOUNDS = 32;

const histogramSchema = z
  .object({
    bounds: z.array(z.number().positive()).max(MAX_HISTOGRAM_BOUNDS, { error: 'too_many_entries' }),
    counts: z.array(countSchema).max(MAX_HISTOGRAM_BOUNDS + 1, { error: 'too_many_entries' }),
    sum: countSchema,
    count: countSchema,
  })
  .refine((h) => h.counts.length === h.bounds.length + 1 && h.bounds.every((b, i) => i === 0 || b > h.bounds[i - 1]!), {
    error: 'histogram bounds must ascend and counts must have one more entry than bounds',
  });

const storeStatsSchema = z.object({
  unackedReadings: countSchema,
  spooledRows: countSchema,
  readingsWritten: countSchema,
  droppedOutsideRetention: countSchema,
  droppedByBackend: countSchema,
  writeErrors: keyedRecord(WRITE_ERROR_CLASSES, countSchema),
  writeLatency: z.object({ count: countSchema, sumMs: countSchema, maxMs: countSchema }),
  blockedBy: boundedString(500).nullable(),
});

const snapshotSchema = z.object({
  instance: z.string({ error: 'bad_instance' }).regex(INSTANCE_ID_PATTERN, { error: 'bad_instance' }),
  at: tsSchema,
  received: countSchema,
  accepted: countSchema,
  points: countSchema,
  rejected: keyedRecord(REJECT_REASONS, countSchema),
  ignoredRetained: countSchema,
  storeErrors: countSchema,
  unacked: countSchema,
  forwardDropped: countSchema,
  writeLatency: histogramSchema,
  alertLeader: z.boolean(),
  webhook: z.object({
    delivered: countSchema,
    failures: countSchema,
    dropped: countSchema,
    rejected: countSchema.default(0),
    queued: countSchema,
  }),
  store: storeStatsSchema,
  busRejected: keyedRecord(VIGIL_TOPIC_NAMES, keyedRecord(BUS_REJECT_REASONS, countSchema)).default({}),
  sessionTakeovers: countSchema.optional(),
});

export const ingestStats = defineKind({
  topic: VIGIL_TOPICS.stats,
  qos: 0,
  maxBytes: MAX_SNAPSHOT_BYTES,
  schema: snapshotSchema,
  latestTs: (s) => s.at,
  build: (s): IngestSnapshot => ({
    ...s,
    // Keys were checked against their closed sets by the schema.
    busRejected: s.busRejected as BusRejectedCounts,
    // A class the sender does not report counts as zero, so /metrics keeps one shape.
    store: { ...s.store, writeErrors: { ...zeroWriteErrors(), ...s.store.writeErrors } },
  }),
});

function zeroWriteErrors(): Record<WriteErrorClass, number> {
  return Object.fromEntries(WRITE_ERROR_CLASSES.map((c) => [c, 0])) as Record<WriteErrorClass, number>;
}
