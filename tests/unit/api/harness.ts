/**
 * The API's services with nothing behind them but memory: the in-memory store, the alert store
 * on an in-memory SQLite database, and a bus that records what the routes publish. The app is
 * buildApp()'s, driven through inject() without a port.
 */
import type { MqttClient } from '../../../lib/mqtt.ts';
import { parseConfig, type VigilConfig } from '../../../lib/config.ts';
import { silentLogger } from '../../../lib/logger.ts';
import type { RejectedMessage } from '../../../domain/events.ts';
import { AlertStore } from '../../../alerts/alert-store.ts';
import { MemoryStore } from '../../../store/memory.ts';
import { buildApp } from '../../../api/index.ts';
import { OperatorAuth } from '../../../api/auth.ts';
import type { ApiServices } from '../../../api/context.ts';
import { MetricsRegistry } from '../../../api/metrics.ts';
import { EventHub } from '../../../api/sse/hub.ts';
import { Ring } from '../../../api/sse/ring.ts';
import { IngestHealth } from '../../../api/ingest-health.ts';
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
  readonly bus: RecordingBus;
  readonly rejected: Ring<RejectedMessage>;
  readonly config: VigilConfig;
  readonly hub: EventHub;
  /** The app's request handler, for a real server (tests/integration/api-transfer.test.ts). */
  readonly callback: ReturnType<ReturnType<typeof buildApp>['callback']>;
  /** The clock the routes read; tests move it. */
  now: number;
  request(request: InjectRequest): Promise<InjectResponse>;
  /** The same request with the operator token. */
  operator(request: InjectRequest): Promise<InjectResponse>;
  close(): Promise<void>;
}

export function apiHarness(env: Readonly<Record<string, string>> = {}, options: { readonly dashboardDir?: string } = {}): ApiHarness {
  const parsed = parseConfig({ HOST: '127.0.0.1', VIGIL_TOKEN: TOKEN, STALE_AFTER: '60s', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const store = new MemoryStore();
  const alerts = new AlertStore(':memory:');
  const bus = new RecordingBus();
  const hub = new EventHub();
  const rejected = new Ring<RejectedMessage>(100);
  const harness: ApiHarness = {
    store,
    alerts,
    bus,
    rejected,
    config,
    hub,
    get callback() {
      return app.callback();
    },
    now: NOW,
    request: (request) => inject(app.callback(), request),
    operator: (request) => inject(app.callback(), { ...request, headers: { authorization: `Bearer ${TOKEN}`, ...request.headers } }),
    async close() {
      hub.close();
      alerts.close();
      await store.close();
    },
  };
  const services: ApiServices = {
    config,
    logger: silentLogger,
    store,
    ingestHealth: new IngestHealth(),
    hub,
    // The routes publish and read `connected`, nothing else of the client.
    bus: bus as unknown as MqttClient,
    rejected,
    metrics: new MetricsRegistry(hub.stats, undefined, () => harness.now),
    auth: new OperatorAuth(config.token ?? TOKEN, config.http.host),
    alerts,
    webhook: undefined,
    now: () => harness.now,
  };
  // By default a dashboard directory that does not exist: most of these tests are about /api.
  const app = buildApp(services, options.dashboardDir ?? '/nonexistent/vigil-dashboard');
  return harness;
}
