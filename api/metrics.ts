/**
 * GET /metrics in the Prometheus text format, every family a prom-client collector reading the
 * current value at scrape time. No `instance` or `job` label: Prometheus adds those from the
 * target it scraped, so each process reports only what it counted itself and nothing is summed
 * twice when every replica is scraped.
 *
 * - A standalone API reports API-side figures: SSE, HTTP, acknowledgement webhooks, the bus
 *   rejections it saw, and `vigil_ingest_instances` (how many ingest processes it hears; no
 *   per-instance counters: each ingest serves its own on INGEST_METRICS_PORT).
 * - The all-in-one hands its in-process ingest's registry in (InProcessIngest), so one scrape of
 *   `npm start` sees everything.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WebhookStats } from '../alerts/webhook.ts';
import type { BusRejectedCounts, IngestSnapshot } from '../bus/ingest-stats.ts';
import { BusRejections, VIGIL_TOPICS } from '../bus/index.ts';
import { registerRuntimeMetrics } from '../lib/runtime-metrics.ts';
import { registerBusRejected, type BusRejectedSource } from '../bus/metrics.ts';
import type { HubStats } from './sse/hub.ts';

/** An ingest process silent this long (by this process's clock) is no longer counted. */
const INSTANCE_TTL_MS = 10_000;
/**
 * How many ingest instances are tracked at most. Instance names come from the bus, so a flood of
 * made-up names must not grow memory: past this, a new name is refused (counted as
 * too_many_instances) until a silent one expires. Real ingest processes report every second.
 */
export const MAX_INGEST_INSTANCES = 64;

/** The all-in-one's ingest, in this process: its families and its alerter's bus rejections. */
export interface InProcessIngest {
  readonly registry: Registry;
  busRejected(): BusRejectedCounts;
}

export class MetricsRegistry {
  private readonly registry: Registry;
  private readonly ingest = new Map<string, number>();
  private readonly http: { requests: Counter<'method' | 'route' | 'status'>; seconds: Histogram<'method' | 'route'> };

  constructor(
    hub: HubStats,
    webhook: WebhookStats | undefined,
    private readonly now: () => number = Date.now,
    /** This process's rejections on Vigil topics (api/bus.ts counts them). */
    readonly busRejections: BusRejections = new BusRejections(),
    inProcess?: InProcessIngest,
    /** The embedded broker's refusal counters, by reason (the all-in-one only). */
    brokerRefused?: () => Readonly<Record<string, number>>,
  ) {
    const own = new Registry();
    registerRuntimeMetrics(own);
    const sources: BusRejectedSource[] = [{ consumer: 'api', read: () => busRejections.snapshot() }];
    if (inProcess) sources.push({ consumer: 'alerter', read: () => inProcess.busRejected() });
    registerBusRejected(own, sources);
    sseMetrics(own, hub);
    webhookMetrics(own, webhook);
    this.http = httpMetrics(own);
    if (brokerRefused) {
      new Counter({
        name: 'vigil_broker_refused_total',
        help: 'what the embedded broker refused, by reason (bad_credentials, anonymous, foreign_topic, packet_too_large, vigil_topic, oversized, retained_full)',
        labelNames: ['reason'],
        registers: [own],
        collect() {
          this.reset();
          for (const [reason, n] of Object.entries(brokerRefused())) this.inc({ reason }, n);
        },
      });
    }
    const instances = this;
    new Gauge({
      name: 'vigil_ingest_instances',
      help: 'ingest processes this API heard report in the last 10 s (each serves its own counters)',
      registers: [own],
      collect() {
        this.set(instances.ingestInstances);
      },
    });
    // Registry.merge refuses a family defined twice, so a clash fails at start, not in a scrape.
    this.registry = inProcess ? Registry.merge([own, inProcess.registry]) : own;
  }

  /** Notes an ingest report (decoded by bus/ingest-stats.ts); false when refused for room. */
  recordIngest(snapshot: IngestSnapshot): boolean {
    const now = this.now();
    if (!this.ingest.has(snapshot.instance) && this.ingest.size >= MAX_INGEST_INSTANCES) {
      this.expire(now);
      if (this.ingest.size >= MAX_INGEST_INSTANCES) {
        this.busRejections.reject(
          VIGIL_TOPICS.stats,
          { ok: false, reason: 'too_many_instances', detail: `already ${MAX_INGEST_INSTANCES} ingest instances` },
          0,
        );
        return false;
      }
    }
    this.ingest.set(snapshot.instance, now);
    return true;
  }

  /** Ingest processes heard within the last INSTANCE_TTL_MS. */
  get ingestInstances(): number {
    this.expire(this.now());
    return this.ingest.size;
  }

  /** One answered HTTP request; `route` is the router's pattern (bounded), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.requests.inc({ method, route, status: String(status) });
    this.http.seconds.observe({ method, route }, seconds);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private expire(now: number): void {
    for (const [instance, heardAt] of this.ingest) if (heardAt < now - INSTANCE_TTL_MS) this.ingest.delete(instance);
  }
}

/** A counter that reports a number kept elsewhere (the hub's, the webhook sender's). */
function reported(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function sseMetrics(registry: Registry, hub: HubStats): void {
  new Gauge({
    name: 'vigil_sse_clients',
    help: 'SSE clients connected to this API process',
    registers: [registry],
    collect() {
      this.set(hub.clients);
    },
  });
  reported(registry, 'vigil_sse_events_sent_total', 'SSE events written to clients', () => hub.eventsSent);
  reported(
    registry,
    'vigil_sse_clients_dropped_total',
    'SSE clients disconnected for passing their buffer budget',
    () => hub.clientsDropped,
  );
  reported(registry, 'vigil_sse_replay_hits_total', 'SSE reconnects resumed from the replay buffer', () => hub.replayHits);
  reported(registry, 'vigil_sse_resets_total', 'SSE reconnects that could not resume and got a reset event', () => hub.resets);
}

/** Acknowledgement webhooks are delivered by the API that took the acknowledgement. */
function webhookMetrics(registry: Registry, webhook: WebhookStats | undefined): void {
  reported(
    registry,
    'vigil_api_webhook_deliveries_total',
    'acknowledgement webhooks delivered by this API process',
    () => webhook?.delivered ?? 0,
  );
  reported(
    registry,
    'vigil_api_webhook_failures_total',
    'acknowledgement webhook attempts that failed (each retried)',
    () => webhook?.failures ?? 0,
  );
}

function httpMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'time to answer an HTTP request (for SSE: until the stream opened)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { requests, seconds };
}
