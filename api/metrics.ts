/**
 * GET /metrics in the Prometheus text format. This process's own figures (SSE, Node runtime)
 * come from prom-client; the ingest tier's come from the snapshots each ingest process
 * publishes, labelled by instance, so one scrape of any API process sees every ingest.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { WebhookStats } from '../alerts/webhook.ts';
import type { IngestSnapshot } from '../bus/ingest-stats.ts';
import { BusRejections, VIGIL_TOPICS } from '../bus/index.ts';
import type { HubStats } from './sse/hub.ts';

/** An ingest process silent this long (by this process's clock) is gone. */
const SNAPSHOT_TTL_MS = 5 * 60_000;
/**
 * How many ingest instances /metrics reports at most. Instance names come from the bus, so a
 * flood of made-up names must not grow memory or the scrape: past this, a new name is refused
 * (counted as too_many_instances) unless an instance silent for INSTANCE_EVICT_MS makes room.
 * Real ingest processes report every second, so they keep their place.
 */
export const MAX_INGEST_INSTANCES = 64;
const INSTANCE_EVICT_MS = 10_000;

export class MetricsRegistry {
  private readonly registry = new Registry();
  private readonly ingest = new Map<string, { snapshot: IngestSnapshot; heardAt: number }>();

  constructor(
    hub: HubStats,
    webhook: WebhookStats | undefined,
    private readonly now: () => number = Date.now,
    /** This process's rejections on Vigil topics (api/bus.ts counts them). */
    readonly busRejections: BusRejections = new BusRejections(),
  ) {
    collectDefaultMetrics({ register: this.registry });
    const ingest = this.ingest;
    new Counter({
      name: 'vigil_bus_rejected_total',
      help: 'messages on Vigil topics dropped because they did not decode, by topic and reason; with instance: counted by that ingest process',
      labelNames: ['instance', 'topic', 'reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        const add = (counts: IngestSnapshot['busRejected'], instance?: string) => {
          for (const [topic, byReason] of Object.entries(counts)) {
            for (const [reason, n] of Object.entries(byReason ?? {}))
              if (n) this.inc(instance ? { instance, topic, reason } : { topic, reason }, n);
          }
        };
        add(busRejections.snapshot());
        for (const [instance, { snapshot }] of ingest) add(snapshot.busRejected, instance);
      },
    });
    const fromHub = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    new Gauge({
      name: 'vigil_sse_clients',
      help: 'SSE clients connected to this API process',
      registers: [this.registry],
      collect() {
        this.set(hub.clients);
      },
    });
    fromHub('vigil_sse_events_sent_total', 'SSE events written to clients', () => hub.eventsSent);
    fromHub('vigil_sse_clients_dropped_total', 'SSE clients disconnected for passing their buffer budget', () => hub.clientsDropped);
    fromHub('vigil_sse_replay_hits_total', 'SSE reconnects resumed from the replay buffer', () => hub.replayHits);
    fromHub('vigil_sse_resets_total', 'SSE reconnects that could not resume and got a reset event', () => hub.resets);
    // Acknowledgements are delivered by the API that took them.
    fromHub('vigil_api_webhook_deliveries_total', 'acknowledgement webhooks delivered by this API process', () => webhook?.delivered ?? 0);
    fromHub(
      'vigil_api_webhook_failures_total',
      'acknowledgement webhook attempts that failed (each retried)',
      () => webhook?.failures ?? 0,
    );
  }

  /** Keeps an ingest snapshot (decoded by bus/ingest-stats.ts); false when refused for room. */
  recordIngest(snapshot: IngestSnapshot): boolean {
    const now = this.now();
    if (!this.ingest.has(snapshot.instance) && this.ingest.size >= MAX_INGEST_INSTANCES) {
      this.expire(now - INSTANCE_EVICT_MS);
      if (this.ingest.size >= MAX_INGEST_INSTANCES) {
        this.busRejections.reject(
          VIGIL_TOPICS.stats,
          { ok: false, reason: 'too_many_instances', detail: `already ${MAX_INGEST_INSTANCES} ingest instances` },
          0,
        );
        return false;
      }
    }
    // Re-inserted so the map stays in order of last report.
    this.ingest.delete(snapshot.instance);
    this.ingest.set(snapshot.instance, { snapshot, heardAt: now });
    return true;
  }

  /** Instances /metrics currently reports. */
  get ingestInstances(): number {
    return this.ingest.size;
  }

  async text(): Promise<string> {
    // By this process's clock: a snapshot's own `at` is the sender's word.
    this.expire(this.now() - SNAPSHOT_TTL_MS);
    return (await this.registry.metrics()) + formatIngest([...this.ingest.values()].map((i) => i.snapshot));
  }

  private expire(cutoff: number): void {
    for (const [instance, { heardAt }] of this.ingest) if (heardAt < cutoff) this.ingest.delete(instance);
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

type Sample = [labels: Record<string, string>, value: number];

function family(
  name: string,
  type: 'counter' | 'gauge' | 'histogram',
  help: string,
  samples: readonly (readonly [string, Record<string, string>, number])[],
): string {
  if (samples.length === 0) return '';
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [sampleName, labels, value] of samples) lines.push(`${sampleName}${formatLabels(labels)} ${value}`);
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function simple(
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  snaps: readonly IngestSnapshot[],
  read: (s: IngestSnapshot) => Sample[],
): string {
  return family(
    name,
    type,
    help,
    snaps.flatMap((s) => read(s).map(([labels, value]) => [name, labels, value] as const)),
  );
}

export function formatIngest(snaps: readonly IngestSnapshot[]): string {
  const one =
    (read: (s: IngestSnapshot) => number) =>
    (s: IngestSnapshot): Sample[] => [[{ instance: s.instance }, read(s)]];
  let out = '';
  out += simple(
    'vigil_messages_received_total',
    'counter',
    'MQTT messages ingest received',
    snaps,
    one((s) => s.received),
  );
  out += simple(
    'vigil_messages_accepted_total',
    'counter',
    'MQTT messages ingest accepted and stored',
    snaps,
    one((s) => s.accepted),
  );
  out += simple('vigil_messages_rejected_total', 'counter', 'MQTT messages ingest rejected, by reason', snaps, (s) =>
    Object.entries(s.rejected).map(([reason, n]): Sample => [{ instance: s.instance, reason }, n]),
  );
  out += simple(
    'vigil_points_written_total',
    'counter',
    'metric values written to the store',
    snaps,
    one((s) => s.points),
  );
  out += simple(
    'vigil_retained_ignored_total',
    'counter',
    'retained telemetry replays ignored',
    snaps,
    one((s) => s.ignoredRetained),
  );
  out += simple(
    'vigil_store_errors_total',
    'counter',
    'failed store writes (each retried)',
    snaps,
    one((s) => s.storeErrors),
  );
  out += simple(
    'vigil_unacked_readings',
    'gauge',
    'QoS 1 messages held unacknowledged until the store takes them',
    snaps,
    one((s) => s.unacked),
  );
  out += simple(
    'vigil_alert_leader',
    'gauge',
    '1 for the ingest process that evaluates alerts',
    snaps,
    one((s) => (s.alertLeader ? 1 : 0)),
  );
  out += simple(
    'vigil_webhook_deliveries_total',
    'counter',
    'alert webhook deliveries answered 2xx',
    snaps,
    one((s) => s.webhook.delivered),
  );
  out += simple(
    'vigil_webhook_failures_total',
    'counter',
    'alert webhook attempts that failed (each retried)',
    snaps,
    one((s) => s.webhook.failures),
  );
  out += simple(
    'vigil_webhook_dropped_total',
    'counter',
    'alert webhook deliveries dropped because the queue was full',
    snaps,
    one((s) => s.webhook.dropped),
  );
  out += simple(
    'vigil_webhook_rejected_total',
    'counter',
    'alert webhook deliveries the receiver refused for good (4xx other than 408/429), dropped unretried',
    snaps,
    one((s) => s.webhook.rejected ?? 0),
  );
  out += simple(
    'vigil_store_unacked_readings',
    'gauge',
    'readings durable in the local spool, not yet confirmed by InfluxDB (0 with SQLite)',
    snaps,
    one((s) => s.store.unackedReadings),
  );
  out += simple(
    'vigil_store_spooled_rows',
    'gauge',
    'rows waiting in the InfluxDB spool',
    snaps,
    one((s) => s.store.spooledRows),
  );
  out += simple(
    'vigil_store_readings_written_total',
    'counter',
    'readings the store confirmed',
    snaps,
    one((s) => s.store.readingsWritten),
  );
  out += simple(
    'vigil_store_dropped_total',
    'counter',
    'readings not stored: older than RETENTION, or refused by InfluxDB for good',
    snaps,
    (s) => [
      [{ instance: s.instance, why: 'retention' }, s.store.droppedOutsideRetention],
      [{ instance: s.instance, why: 'backend' }, s.store.droppedByBackend],
    ],
  );
  out += simple('vigil_store_write_errors_total', 'counter', 'failed store writes by class', snaps, (s) =>
    Object.entries(s.store.writeErrors).map(([kind, n]): Sample => [{ instance: s.instance, class: kind }, n]),
  );
  out += simple(
    'vigil_store_blocked',
    'gauge',
    '1 while the store refuses writes for a reason retrying will not fix',
    snaps,
    one((s) => (s.store.blockedBy ? 1 : 0)),
  );
  out += simple(
    'vigil_forward_dropped_total',
    'counter',
    'readings not forwarded live while the broker was away',
    snaps,
    one((s) => s.forwardDropped),
  );
  out += family(
    'vigil_write_latency_seconds',
    'histogram',
    'time to make one message durable in the store',
    snaps.flatMap((s) => {
      const h = s.writeLatency;
      let cumulative = 0;
      const rows = h.bounds.map((bound, i) => {
        cumulative += h.counts[i] ?? 0;
        return ['vigil_write_latency_seconds_bucket', { instance: s.instance, le: String(bound) }, cumulative] as const;
      });
      return [
        ...rows,
        ['vigil_write_latency_seconds_bucket', { instance: s.instance, le: '+Inf' }, h.count] as const,
        ['vigil_write_latency_seconds_sum', { instance: s.instance }, h.sum] as const,
        ['vigil_write_latency_seconds_count', { instance: s.instance }, h.count] as const,
      ];
    }),
  );
  return out;
}
