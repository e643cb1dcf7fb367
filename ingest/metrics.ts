/**
 * Ingest's figures as prom-client collectors: each family reads this process's current counters
 * at scrape time (collect()), so nothing is copied on the hot path. No `instance` or `job` label:
 * Prometheus adds those from the target it scraped, so every ingest replica is one target
 * (INGEST_METRICS_PORT) and the all-in-one's API serves this same registry in its own /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WRITE_ERROR_CLASSES, WRITE_LATENCY_BOUNDS, type IngestSnapshot } from '../bus/ingest-stats.ts';
import { registerRuntimeMetrics } from '../lib/runtime-metrics.ts';
import { registerBusRejected } from '../bus/metrics.ts';
import type { BusRejectedCounts } from '../bus/ingest-stats.ts';
import { REJECT_REASONS } from '../domain/reading.ts';

type Read = () => IngestSnapshot;

export class IngestMetrics {
  /** Ingest's own families only: the all-in-one merges it into the API's registry. */
  readonly registry = new Registry();
  /** Observed as each message becomes durable (the bus snapshot keeps its own copy). */
  readonly writeLatency: Histogram;

  constructor(read: Read) {
    const registers = [this.registry];
    const counter = (name: string, help: string, value: (s: IngestSnapshot) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(read()));
        },
      });
    const gauge = (name: string, help: string, value: (s: IngestSnapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value(read()));
        },
      });
    counter('vigil_messages_received_total', 'MQTT messages ingest received', (s) => s.received);
    counter('vigil_messages_accepted_total', 'MQTT messages ingest accepted and stored', (s) => s.accepted);
    new Counter({
      name: 'vigil_messages_rejected_total',
      help: 'MQTT messages ingest rejected, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const rejected = read().rejected;
        // Every reason from the closed set, zeros included, so rate() sees a reason's first rejection.
        for (const reason of REJECT_REASONS) this.inc({ reason }, rejected[reason] ?? 0);
      },
    });
    counter('vigil_points_written_total', 'metric values written to the store', (s) => s.points);
    counter('vigil_retained_ignored_total', 'retained telemetry replays ignored', (s) => s.ignoredRetained);
    counter('vigil_store_errors_total', 'failed store writes (each retried)', (s) => s.storeErrors);
    gauge('vigil_unacked_readings', 'QoS 1 messages held unacknowledged until the store takes them', (s) => s.unacked);
    gauge('vigil_alert_leader', '1 for the ingest process that evaluates alerts', (s) => (s.alertLeader ? 1 : 0));
    counter('vigil_webhook_deliveries_total', 'alert webhook deliveries answered 2xx', (s) => s.webhook.delivered);
    counter('vigil_webhook_failures_total', 'alert webhook attempts that failed (each retried)', (s) => s.webhook.failures);
    counter('vigil_webhook_dropped_total', 'alert webhook deliveries dropped because the queue was full', (s) => s.webhook.dropped);
    counter(
      'vigil_webhook_rejected_total',
      'alert webhook deliveries the receiver refused for good (4xx other than 408/429): dropped, not retried',
      (s) => s.webhook.rejected ?? 0,
    );
    gauge(
      'vigil_store_unacked_readings',
      'readings durable in the local spool, not yet confirmed by InfluxDB (0 with SQLite)',
      (s) => s.store.unackedReadings,
    );
    gauge('vigil_store_spooled_rows', 'rows waiting in the InfluxDB spool', (s) => s.store.spooledRows);
    counter('vigil_store_readings_written_total', 'readings the store confirmed', (s) => s.store.readingsWritten);
    new Counter({
      name: 'vigil_store_dropped_total',
      help: 'readings not stored: older than RETENTION, or refused by InfluxDB for good',
      labelNames: ['why'],
      registers,
      collect() {
        this.reset();
        const { store } = read();
        this.inc({ why: 'retention' }, store.droppedOutsideRetention);
        this.inc({ why: 'backend' }, store.droppedByBackend);
      },
    });
    new Counter({
      name: 'vigil_store_write_errors_total',
      help: 'failed store writes by class',
      labelNames: ['class'],
      registers,
      collect() {
        this.reset();
        const errors = read().store.writeErrors;
        for (const kind of WRITE_ERROR_CLASSES) this.inc({ class: kind }, errors[kind] ?? 0);
      },
    });
    gauge('vigil_store_blocked', '1 while the store refuses writes for a reason retrying will not fix', (s) => (s.store.blockedBy ? 1 : 0));
    counter('vigil_forward_dropped_total', 'readings not forwarded live while the broker was away', (s) => s.forwardDropped);
    this.writeLatency = new Histogram({
      name: 'vigil_write_latency_seconds',
      help: 'time to make one message durable in the store',
      buckets: [...WRITE_LATENCY_BOUNDS],
      registers,
    });
  }
}

/**
 * What a standalone ingest serves on INGEST_METRICS_PORT: its families, its alerter's bus
 * rejections and the Node runtime's own figures (which the all-in-one's API already has).
 */
export function standaloneIngestRegistry(metrics: IngestMetrics, busRejected: () => BusRejectedCounts): Registry {
  const own = new Registry();
  registerRuntimeMetrics(own);
  registerBusRejected(own, [{ consumer: 'alerter', read: busRejected }]);
  return Registry.merge([own, metrics.registry]);
}
