/**
 * The API's services with nothing behind them but memory: the in-memory store, the alert store
 * on an in-memory SQLite database, and a bus that records what the routes publish. The app is
 * buildApp()'s, driven through inject() without a port.
 */
import type { MqttClient } from '../../../lib/mqtt.ts';
import { parseConfig, type VigilConfig } from '../../../lib/config.ts';
import { silentLogger, type Logger } from '../../../lib/logger.ts';
import type { RejectedMessage } from '../../../domain/events.ts';
import { AlertStore } from '../../../alerts/alert-store.ts';
import { MemoryStore } from '../../../store/memory.ts';
import { apiRouter, buildApp } from '../../../api/index.ts';
import { OperatorAuth } from '../../../api/auth.ts';
import type { ApiServices } from '../../../api/context.ts';
import { MetricsRegistry } from '../../../api/metrics.ts';
import { EventHub } from '../../../api/sse/hub.ts';
import { Ring } from '../../../api/sse/ring.ts';
import { IngestHealth } from '../../../api/ingest-health.ts';
import { SourcesView } from '../../../api/sources.ts';
import { MemoryRegistry } from '../../../store/registry.ts';
import { RegistryEvents } from '../../../api/registry-events.ts';
import type { DeviceEvent } from '../../../domain/events.ts';
import { inject, type InjectRequest, type InjectResponse } from './inject.ts';

export const TOKEN = 'unit-test-operator-token';
export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export interface Published {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number | undefined;
}

/** The two members of an MQTT client the routes use; everything published is kept. */
export class RecordingBus {
  connected = true;
  readonly published: Published[] = [];
  publish(topic: string, payload: string | Buffer, options?: { qos?: number }): this {
    this.published.push({ topic, payload: payload.toString(), qos: options?.qos });
    return this;
  }
}

export interface ApiHarness {
  readonly store: MemoryStore;
  readonly alerts: AlertStore;
  readonly registry: MemoryRegistry;
  /** Every `device` event the registry announced, in order. */
  readonly deviceEvents: DeviceEvent[];
  readonly bus: RecordingBus;
  readonly rejected: Ring<RejectedMessage>;
  readonly config: VigilConfig;
  /** What ingest's vigil/stats/sources reports would fill. */
  readonly sources: SourcesView;
  readonly hub: EventHub;
  /** The app's request handler, for a real server (tests/integration/api-transfer.test.ts). */
  readonly callback: ReturnType<ReturnType<typeof buildApp>['callback']>;
  /** The clock the routes read; tests move it. */
  now: number;
  request(request: InjectRequest): Promise<InjectResponse>;
  /** The same request with the operator token. */
  operator(request: InjectRequest): Promise<InjectResponse>;
  close(): Promise<void>;
  /** What the Koa router serves: one entry per method and path (HEAD left out: Koa adds it to every GET). */
  routes(): { method: string; path: string }[];
}

export function apiHarness(
  env: Readonly<Record<string, string>> = {},
  options: { readonly logger?: Logger; readonly registry?: MemoryRegistry; readonly dashboardDir?: string } = {},
): ApiHarness {
  const parsed = parseConfig({ HOST: '127.0.0.1', VIGIL_TOKEN: TOKEN, STALE_AFTER: '60s', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const store = new MemoryStore();
  const alerts = new AlertStore(':memory:');
  const bus = new RecordingBus();
  const hub = new EventHub();
  const registry = options.registry ?? new MemoryRegistry();
  const deviceEvents: DeviceEvent[] = [];
  const registryEvents = new RegistryEvents(
    registry,
    (event) => {
      deviceEvents.push(event);
      hub.publish('device', event, event.device);
    },
    () => 'stale',
    () => harness.now,
  );
  const rejected = new Ring<RejectedMessage>(100);
  const sources = new SourcesView(() => harness.now);
  const metrics = new MetricsRegistry(hub.stats, undefined, () => harness.now);
  const harness: ApiHarness = {
    store,
    alerts,
    registry,
    deviceEvents,
    bus,
    rejected,
    config,
    sources,
    hub,
    get callback() {
      return app.callback();
    },
    now: NOW,
    request: (request) => inject(app.callback(), request),
    operator: (request) => inject(app.callback(), { ...request, headers: { authorization: `Bearer ${TOKEN}`, ...request.headers } }),
    routes: () =>
      apiRouter(services).stack.flatMap((layer) =>
        layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path) })),
      ),
    async close() {
      hub.close();
      alerts.close();
      await store.close();
    },
  };
  const services: ApiServices = {
    config,
    logger: options.logger ?? silentLogger,
    store,
    ingestHealth: new IngestHealth(),
    hub,
    // The routes publish and read `connected`, nothing else of the client.
    bus: bus as unknown as MqttClient,
    rejected,
    metrics,
    auth: new OperatorAuth(config.token ?? TOKEN, config.http.host),
    alerts,
    registry,
    registryEvents,
    webhook: undefined,
    sources,
    now: () => harness.now,
  };
  // By default a dashboard directory that does not exist: most of these tests are about /api.
  const app = buildApp(services, options.dashboardDir ?? '/nonexistent/vigil-dashboard');
  return harness;
}
