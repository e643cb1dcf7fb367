/**
 * The API process: Koa routes over the store, the live stream fed from the broker, and the
 * built dashboard. Several can run side by side; each hears every event through the broker.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Router } from '@koa/router';
import Koa from 'koa';
import type { VigilConfig } from '../lib/config.ts';
import { primaryBrokerUrl } from '../lib/config.ts';
import type { RejectedMessage } from '../domain/events.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { componentLogger, RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import { endMqtt, FALL_BACK_MESSAGE } from '../lib/mqtt.ts';
import { closer, listen } from '../lib/net.ts';
import { openStore } from '../store/index.ts';
import { AlertStore } from '../alerts/alert-store.ts';
import { WebhookSender } from '../alerts/webhook.ts';
import { OperatorAuth } from './auth.ts';
import { BusRejections } from '../bus/index.ts';
import { connectBus } from './bus.ts';
import type { ApiServices, ApiStore } from './context.ts';
import { compressJson } from './compress.ts';
import { errorFunnel } from './errors.ts';
import { deviceRoutes } from './routes/devices.ts';
import { healthRoutes } from './routes/health.ts';
import { rejectedRoutes } from './routes/rejected.ts';
import { alertRoutes } from './routes/alerts.ts';
import { ruleRoutes } from './routes/rules.ts';
import { sessionRoutes } from './routes/session.ts';
import { streamRoutes } from './routes/stream.ts';
import { DeviceWatch } from './device-watch.ts';
import { MetricsRegistry, type InProcessIngest } from './metrics.ts';
import { accessLog, securityHeaders } from './access-log.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { EventHub } from './sse/hub.ts';
import { Ring } from './sse/ring.ts';
import { serveDashboard } from './static.ts';
import { hostGuard } from './host-guard.ts';
import { IngestHealth } from './ingest-health.ts';
import { SourcesView } from './sources.ts';
import { sourceRoutes } from './routes/sources.ts';
import { resolveToken } from './token.ts';
import { warnIfAnonymousCanWrite } from '../lib/anonymous-probe.ts';
import type { DeviceRegistry } from '../store/registry.ts';
import { SqliteRegistry } from '../store/registry-sqlite.ts';
import { RegistryEvents } from './registry-events.ts';

export interface ApiDeps {
  readonly logger?: Logger;
  readonly store?: ApiStore;
  /** Defaults to the registry in the SQLite file at SQLITE_PATH (both stores). */
  readonly registry?: DeviceRegistry;
  /** Where the built dashboard lives; defaults to dashboard/dist in this checkout. */
  readonly dashboardDir?: string;
  /** The all-in-one's ingest: /metrics serves its families too (a standalone API serves only its own). */
  readonly ingest?: InProcessIngest;
  /** The all-in-one's embedded broker guards vigil/# itself: no anonymous-write probe. */
  readonly embeddedBroker?: boolean;
  /** The embedded broker's refusal counters by reason, for /metrics (the all-in-one). */
  readonly brokerRefused?: () => Readonly<Record<string, number>>;
}

export interface ApiHandle extends Handle {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly tokenSource: 'env' | 'file' | 'generated';
  readonly hub: EventHub;
}

const DEFAULT_DASHBOARD = fileURLToPath(new URL('../dashboard/dist', import.meta.url));

export async function start(config: VigilConfig, deps: ApiDeps = {}): Promise<ApiHandle> {
  const logger = componentLogger(deps.logger ?? silentLogger, 'api');
  return startWith(async (resources) => {
    const { token, source } = resolveToken(config);
    const store = deps.store ?? (await resources.open(openStore(config, { logger }), (s) => s.close()));
    const hub = new EventHub();
    resources.defer(() => hub.close());
    const rejected = new Ring<RejectedMessage>(1_000);
    const webhook = config.alertWebhookUrl
      ? new WebhookSender({ url: config.alertWebhookUrl, publicUrl: config.publicUrl, logger, secret: config.alertWebhookSecret })
      : undefined;
    if (webhook) resources.defer(() => webhook.stop());
    const metrics = new MetricsRegistry(hub.stats, webhook?.stats, Date.now, new BusRejections(logger), deps.ingest, deps.brokerRefused);
    const watch = new DeviceWatch(config.staleAfterMs, (event) => hub.publish('device', event, event.device));
    // A store that is down at start (InfluxDB restarting) must not keep the API from serving:
    // the watch fills in from live events and retries the load.
    watch.start();
    void watch.loadWithRetry(store, (err) => logger.warn({ err }, 'cannot load devices from the store yet; retrying'));
    resources.defer(() => watch.stop());

    const ingestHealth = new IngestHealth();
    const sources = new SourcesView(Date.now, metrics.busRejections);
    const bus = await resources.open(
      connectBus(
        primaryBrokerUrl(config),
        {
          username: config.mqtt.username,
          password: config.mqtt.password,
          clientId: config.mqtt.clientId,
          mqttProtocol: config.mqtt.protocol,
          onFallBack: (reason) => logger.info({ reason }, FALL_BACK_MESSAGE),
        },
        {
          readings: (entries) => {
            for (const entry of entries) {
              watch.sawTelemetry(entry.device);
              hub.publish('reading', entry, entry.device);
            }
          },
          device: (event) => {
            // This process's clock, like sawTelemetry's: ingest sends both in the order it got them.
            if (event.status === 'online' || event.status === 'offline') watch.sawStatus(event.device, event.status, Date.now());
          },
          rejected: (message) => rejected.push(message),
          ingestStats: (snapshot) => {
            metrics.recordIngest(snapshot);
            ingestHealth.record(snapshot);
          },
          sources: (snapshot) => sources.record(snapshot),
          alert: (alert) => hub.publish('alert', alert, alert.device),
        },
        logger,
        metrics.busRejections,
      ),
      (client) => endMqtt(client),
    );
    if (!deps.embeddedBroker) {
      const probe = warnIfAnonymousCanWrite(config, logger);
      resources.defer(() => probe.cancel());
    }

    const auth = new OperatorAuth(token, config.http.host);
    const alerts = await resources.open(new AlertStore(config.store.sqlitePath), (a) => a.close());
    const registry = deps.registry ?? (await resources.open(new SqliteRegistry(config.store.sqlitePath, { logger }), (r) => r.close()));
    const registryEvents = new RegistryEvents(
      registry,
      (event) => hub.publish('device', event, event.device),
      (id) => watch.stateOf(id),
    );
    const registryLog = new RateLimitedLog(logger);
    registryEvents.start((err) => registryLog.warn('registry', { err: err.message }, 'cannot read the device registry; retrying'));
    resources.defer(() => registryEvents.stop());
    const services: ApiServices = {
      config,
      logger,
      store,
      hub,
      bus,
      rejected,
      metrics,
      auth,
      alerts,
      registry,
      registryEvents,
      webhook,
      ingestHealth,
      sources,
      now: Date.now,
    };
    const app = buildApp(services, deps.dashboardDir ?? DEFAULT_DASHBOARD);
    const server = createServer(app.callback());
    const close = closer(server);
    await listen(server, config.http.port, config.http.host, 'PORT');
    // Runs before the hub closes (last-first), so open streams end cleanly and then sockets go.
    resources.defer(close);
    const port = (server.address() as { port: number }).port;
    const shownHost = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}`;
    logger.info({ url }, 'API listening');
    return { url, port, token, tokenSource: source, hub };
  });
}

/** Every route; each describes itself next to its handler (api/route-docs.ts) for /api/openapi.json. */
export function apiRouter(services: ApiServices): Router {
  const router = new Router();
  healthRoutes(router, services);
  deviceRoutes(router, services);
  rejectedRoutes(router, services);
  sourceRoutes(router, services);
  streamRoutes(router, services);
  metricsRoutes(router, services);
  sessionRoutes(router, services);
  alertRoutes(router, services);
  ruleRoutes(router, services);
  openApiRoutes(router);
  return router;
}

/**
 * The Koa app over the services, without a listening socket: start() serves it, and unit tests
 * drive app.callback() directly (tests/unit/api).
 */
export function buildApp(services: ApiServices, dashboardDir = DEFAULT_DASHBOARD): Koa {
  const app = new Koa();
  // Only behind a proxy that sets X-Forwarded-For: otherwise a client could pick its own address.
  app.proxy = services.config.http.trustProxy;
  // Only the hop the nearest proxy appended: anything to its left came from the client, which
  // could otherwise pick a fresh address per request and never be rate-limited.
  app.maxIpsCount = 1;
  // Errors are answered by the funnel; Koa's default handler would only print them again.
  app.silent = true;
  const router = apiRouter(services);
  app.use(accessLog(services.logger, services.metrics));
  // Outside the funnel, so error answers (and 401s) are compressed the same way; the stream passes by.
  app.use(compressJson());
  app.use(securityHeaders());
  app.use(errorFunnel(services.logger));
  app.use(hostGuard(services.config));
  app.use(services.auth.requireRead());
  // No allowedMethods(): a method a route does not serve gets the funnel's JSON 404, like any
  // unknown route, rather than a plain-text 405 outside the contract's statuses.
  app.use(router.routes());
  app.use(serveDashboard(dashboardDir));
  return app;
}
