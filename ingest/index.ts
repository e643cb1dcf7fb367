/**
 * The ingest process: reads device topics from one or more brokers, validates each message,
 * makes accepted readings durable before acknowledging them, and forwards what it accepted to
 * the API processes through the first broker.
 */
import type { MqttProtocol, VigilConfig } from '../lib/config.ts';
import { MAX_INGEST_CONNECTIONS, primaryBrokerUrl } from '../lib/config.ts';
import { REJECTED_PAYLOAD_LIMIT } from '../domain/events.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { componentLogger, RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import { endMqtt, FALL_BACK_MESSAGE, redact, watchSessionTakeover, type MqttClient } from '../lib/mqtt.ts';
import { connectionClientId, connectIngest, subscribeDevices, subscriptionFilters } from './connect.ts';
import { retireSessions } from './retire.ts';
import { openStore, type IngestStore } from '../store/index.ts';
import { AlertStore } from '../alerts/alert-store.ts';
import { startAlerter, type AlerterHandle } from '../alerts/alerter.ts';
import { Forwarder } from './forward.ts';
import { createMessageHandler, type MessageOutcomes } from './handle-message.ts';
import { IngestStats } from './stats.ts';
import { acknowledgeAfter, type QosAwareHandler } from './acknowledge.ts';
import { GroupCommit } from './group-commit.ts';
import type { MessageTap } from '../lib/message-tap.ts';
import type { DeviceMetaSink } from '../domain/devices.ts';
import type { Source } from '../sources/types.ts';
import { SourceRouter } from '../sources/router.ts';
import { sourcesFor } from './sources.ts';
import { SourceReporter } from './source-report.ts';
import { startDiscovery } from './discover.ts';
import type { BusRejectedCounts, IngestSnapshot, StoreStats } from '../bus/ingest-stats.ts';
import { IngestMetrics, standaloneIngestRegistry } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { registerSourceMetrics } from './source-metrics.ts';
import { SqliteRegistry } from '../store/registry-sqlite.ts';
import type { Registry } from 'prom-client';
import { warnIfAnonymousCanWrite } from '../lib/anonymous-probe.ts';

const STATS_INTERVAL_MS = 1_000;
/** vigil/stats/sources: counters move slowly and the unmatched list is large. */
const SOURCES_INTERVAL_MS = 2_000;
const NO_WEBHOOK = { delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 0 };
/** What /metrics reads before the store is open (a scrape during start). */
const EMPTY_STORE_STATS: StoreStats = {
  unackedReadings: 0,
  spooledRows: 0,
  readingsWritten: 0,
  droppedOutsideRetention: 0,
  droppedByBackend: 0,
  writeErrors: { partial: 0, transient: 0, timeout: 0, permanent: 0, too_large: 0, no_database: 0 },
  writeLatency: { count: 0, sumMs: 0, maxMs: 0 },
  blockedBy: null,
};

export interface IngestDeps {
  readonly logger?: Logger;
  /** A store opened by the caller (the all-in-one shares one); otherwise ingest opens its own. */
  readonly store?: IngestStore;
  /**
   * The embedded broker's tap (the all-in-one): device messages arrive through it, acknowledged
   * to the device only once durable, instead of through an MQTT subscription. Vigil's own topics
   * still go over MQTT.
   */
  readonly tap?: MessageTap;
  /** Where discovered device names and units go; by default the registry beside the store (SQLITE_PATH). */
  readonly meta?: DeviceMetaSink;
  /** Sources beside those config names (tests add their own, shown as custom). */
  readonly sources?: readonly Source[];
  /** The all-in-one's embedded broker guards vigil/# itself: no anonymous-write probe. */
  readonly embeddedBroker?: boolean;
}

export interface IngestHandle extends Handle {
  readonly stats: IngestStats;
  readonly router: SourceRouter;
  /** For the all-in-one's API, which serves them in its /metrics (a standalone ingest serves its own). */
  readonly metrics: { readonly registry: Registry; busRejected(): BusRejectedCounts };
  /** Set when INGEST_METRICS_PORT is: where this process serves /metrics. */
  readonly metricsUrl: string | undefined;
}

export async function start(config: VigilConfig, deps: IngestDeps = {}): Promise<IngestHandle> {
  const logger = componentLogger(deps.logger ?? silentLogger, 'ingest');
  const stats = new IngestStats(config.instanceId);
  const rejectLog = new RateLimitedLog(logger);
  // Before anything opens: a bad SOURCES or SOURCES_FILE stops the start with one line each.
  const sourceSet = sourcesFor(config, deps.sources);
  const router = new SourceRouter(sourceSet.sources);
  const reporter = new SourceReporter(config.instanceId, router, sourceSet);
  let current: () => IngestSnapshot = () => stats.snapshot(0, false, NO_WEBHOOK, EMPTY_STORE_STATS);
  const metrics = new IngestMetrics(() => current());
  registerSourceMetrics(metrics.registry, router, () => reporter.duplicateConsumer);

  return startWith(async (resources) => {
    const store = deps.store ?? (await resources.open(openStore(config, { logger }), (s) => s.close()));
    // Discovered names and units go to the registry in the SQLite file at SQLITE_PATH (both stores),
    // where the API reads them; the all-in-one shares one.
    const meta: DeviceMetaSink =
      deps.meta ?? (await resources.open(new SqliteRegistry(config.store.sqlitePath, { logger }), (r) => r.close()));
    const urls = config.mqtt.urls.length > 0 ? config.mqtt.urls : [primaryBrokerUrl(config)];
    const auth = { username: config.mqtt.username, password: config.mqtt.password };
    // Clients that read devices over a subscription; a `configured` source adds filters to each.
    const subscribed: { client: MqttClient; shared: boolean; url: string }[] = [];
    let everyConsumerShared = true;

    const stopping = new AbortController();
    let forwarder: Forwarder | undefined;
    const outcomes: MessageOutcomes = {
      accepted(entries, _receivedAt, writeSeconds) {
        stats.accepted++;
        stats.writeLatency.observe(writeSeconds);
        metrics.writeLatency.observe(writeSeconds);
        for (const entry of entries) stats.points += Object.keys(entry.values).length;
        forwarder?.readings(entries);
      },
      rejected(r) {
        stats.reject(r.reason);
        rejectLog.warn(
          `reject:${r.reason}:${r.device ?? ''}`,
          { topic: r.topic, source: r.source, reason: r.reason, detail: r.detail },
          'message rejected',
        );
        forwarder?.rejected({
          ts: r.ts,
          topic: r.topic,
          device: r.device,
          reason: r.reason,
          payload: Buffer.from(r.payload.subarray(0, REJECTED_PAYLOAD_LIMIT)).toString('utf8'),
        });
      },
      async status(device, status, ts) {
        await store.recordStatus(device, status, ts);
        forwarder?.device({ device, status, ts });
      },
      ignored(_source, why) {
        if (why === 'retained') stats.ignoredRetained++;
      },
      configured(source, wanted) {
        const fresh = router.addFilters(source, wanted);
        if (fresh.length === 0) return;
        // The embedded broker's tap already hands ingest every topic.
        for (const { client, shared, url } of subscribed) {
          client.subscribeAsync(subscriptionFilters(fresh, shared), { qos: 1 }).then(
            () => logger.info({ broker: redact(url), source, topics: fresh }, 'source subscribed to more topics'),
            (err: Error) =>
              rejectLog.warn(`subscribe:${source}`, { broker: redact(url), err: err.message }, 'subscribing for a source failed'),
          );
        }
      },
      meta(list) {
        for (const m of list) {
          try {
            meta.noteDiscovered(m);
          } catch (err) {
            rejectLog.warn('meta', { device: m.device, err: (err as Error).message }, 'recording discovered device names failed');
          }
        }
      },
    };
    // One mqtt.js connection hands over one packet at a time, so it has nothing to group and
    // commits directly. The embedded broker's tap carries many device connections at once, and
    // several connections of one shared subscription (INGEST_CONNECTIONS) each hand over one
    // message per turn: then the messages of one event-loop turn share a commit.
    const direct = createMessageHandler({ router, sink: store, outcomes });
    const group = new GroupCommit(store);
    const grouped = createMessageHandler({ router, sink: store, outcomes, group });
    // How well the turns grouped, for whoever tunes INGEST_CONNECTIONS (docs/ingest.md).
    resources.defer(() => {
      const { commits, messages } = group.stats;
      if (commits > 0) logger.info({ commits, messages, perCommit: Math.round((messages / commits) * 10) / 10 }, 'group commits');
    });
    let pooled = false;
    const acknowledged = (h: QosAwareHandler) =>
      acknowledgeAfter(h, {
        signal: stopping.signal,
        onReceived: () => stats.received++,
        onSettled: () => stats.unacked--,
        onStoreError(err, attempt) {
          stats.storeErrors++;
          if (attempt === 1) stats.unacked++;
          rejectLog.warn('store-error', { err, attempt }, 'store write failed; holding the message and retrying');
        },
      });
    // QoS 0 always groups: acknowledgeAfter lets the connection read on before the commit, so a
    // whole socket read shares one.
    const overMqtt = acknowledged((topic, payload, retain, qos) => (pooled || qos === 0 ? grouped : direct)(topic, payload, retain));
    const tap = deps.tap;

    const brokerBaseId = (index: number) => {
      const base = `${config.mqtt.clientId}-ingest-${config.instanceId}`;
      return index === 0 ? base : `${base}-${index}`;
    };
    /** Connection `k` to broker `index`: a persistent session, watched, ended at stop. */
    const open = async (url: string, index: number, k: number, mqttProtocol: MqttProtocol) => {
      const clientId = connectionClientId(brokerBaseId(index), k);
      // A persistent session (clean: false) with a stable id: QoS 1 readings published while
      // ingest is down are queued by the broker and delivered when it reconnects.
      const { client, shared } = await connectIngest(url, {
        ...auth,
        clientId,
        clean: false,
        mqttProtocol,
        onFallBack: (reason) => logger.info({ broker: redact(url), reason }, FALL_BACK_MESSAGE),
        prepare: (c) => {
          // The first broker's first connection also carries Vigil's own topics; its backlog is forwarded too.
          if (index === 0 && k === 0) forwarder = new Forwarder(c);
          c.handleMessage = overMqtt;
        },
      });
      resources.defer(() => endMqtt(client));
      // Runs before the client ends (cleanups run last-first), so the final batch goes out.
      if (index === 0 && k === 0) resources.defer(() => forwarder?.stop());
      const where = { broker: redact(url), clientId };
      client.on('error', (err) => rejectLog.warn(`mqtt-error:${index}:${k}`, { ...where, err }, 'MQTT error'));
      client.on('offline', () => logger.warn(where, 'broker unreachable; reconnecting'));
      client.on('connect', () => logger.info(where, 'connected to broker'));
      watchSessionTakeover(client, (t) => {
        logger.error(
          { broker: redact(url), clientId: t.clientId, how: t.how },
          "another MQTT client took over ingest's session: it receives device messages instead of Vigil",
        );
      });
      return { client, shared, clientId };
    };
    /** Subscribes a connection to every device filter; listed first, so a `configured` message in its backlog subscribes it too. */
    const subscribe = async (client: MqttClient, shared: boolean, url: string) => {
      const entry = { client, shared, url };
      subscribed.push(entry);
      entry.shared = (await subscribeDevices(client, router.filters(), shared)).shared;
      if (subscribed.length > 1) pooled = true;
      return entry.shared;
    };

    for (const [index, url] of urls.entries()) {
      const first = await open(url, index, 0, config.mqtt.protocol);
      const { client, clientId } = first;
      if (index === 0 && tap) {
        // The embedded broker hands every device message over in-process (before its PUBACK), so
        // topics no source takes are listed too; a subscription as well would store each twice.
        const decoded = acknowledged(grouped);
        tap.attach(['#'], (message, done) => {
          if (!message.listOnly) return decoded(message, done);
          // A signed-in device's topic no source claims: listed, never decoded (broker/access.ts).
          router.noteUnmatched({ topic: message.topic, payload: message.payload, retain: false, receivedAt: Date.now() });
          done();
        });
        resources.defer(() => tap.detach());
        everyConsumerShared = false;
        logger.info({ broker: redact(url), clientId, topics: router.filters() }, 'ingest takes device messages from the embedded broker');
        continue;
      }
      const shared = await subscribe(client, first.shared, url);
      if (!shared) everyConsumerShared = false;
      if (first.shared && !shared) {
        logger.warn(
          { broker: redact(url) },
          'the broker refused the shared subscription ($share/vigil/…): subscribed to the device topics directly',
        );
      }
      // More connections in the same share group: the broker deals the messages out among them,
      // and the messages they hand over in one turn share a commit.
      const connections = [clientId];
      for (let k = 1; shared && k < config.ingestConnections; k++) {
        const more = await open(url, index, k, '5');
        if (!more.shared || !(await subscribe(more.client, true, url)))
          throw new Error(`${redact(url)}: connection ${k} got no shared subscription`);
        connections.push(more.clientId);
      }
      if (shared) {
        // In the background: sessions of connections a larger INGEST_CONNECTIONS opened before.
        const unused = [];
        for (let k = config.ingestConnections; k < MAX_INGEST_CONNECTIONS; k++) unused.push(connectionClientId(brokerBaseId(index), k));
        const retiring = retireSessions({
          url,
          clientIds: unused,
          connect: auth,
          handler: overMqtt,
          filters: () => router.filters(),
          logger,
          signal: stopping.signal,
        }).then((retired) => {
          if (retired.length > 0) logger.info({ broker: redact(url), clientIds: retired }, 'sessions ingest no longer uses ended');
        });
        resources.defer(() => {
          // A failed start unwinds without the final abort below: end the visit here too.
          stopping.abort();
          return retiring;
        });
      }
      if (!shared && config.ingestConnections > 1) {
        logger.info(
          { broker: redact(url), wanted: config.ingestConnections },
          'the broker takes no shared subscriptions: reading devices over one connection (INGEST_CONNECTIONS needs MQTT 5 shared subscriptions)',
        );
      }
      logger.info(
        {
          broker: redact(url),
          clientIds: connections,
          topics: subscriptionFilters(router.filters(), shared),
          protocol: client.options.protocolVersion,
        },
        'ingest subscribed',
      );
      if (config.sources.discoverTopics) {
        const discovery = await resources.open(
          startDiscovery(url, { ...auth, clientId: `${clientId}-discover`, mqttProtocol: config.mqtt.protocol }, router, logger),
          (d) => d.stop(),
        );
        logger.info({ broker: redact(url), clientId: discovery.clientId }, 'listing topics no source takes (DISCOVER_TOPICS)');
      }
    }
    if (!deps.embeddedBroker) {
      // In the background: a warning if strangers can publish on vigil/#, never a failed start.
      const probe = warnIfAnonymousCanWrite(config, logger);
      resources.defer(() => probe.cancel());
    }
    let alerter: AlerterHandle | undefined;
    current = () =>
      stats.snapshot(
        forwarder?.dropped ?? 0,
        alerter?.isLeader() ?? false,
        alerter?.webhookStats() ?? NO_WEBHOOK,
        store.stats(),
        alerter?.busRejected(),
      );
    const publishStats = () => forwarder?.stats(current());
    const statsTimer = setInterval(publishStats, STATS_INTERVAL_MS);
    statsTimer.unref();
    resources.defer(() => {
      clearInterval(statsTimer);
      publishStats();
    });
    const publishSources = () => {
      noticeDuplicateConsumer();
      forwarder?.sources(reporter.snapshot());
    };
    const noticeDuplicateConsumer = () => {
      if (everyConsumerShared || reporter.duplicateConsumer || (alerter?.otherInstances() ?? 0) === 0) return;
      reporter.duplicateConsumer = true;
      logger.warn(
        { instance: config.instanceId },
        'another ingest instance is running, and this one reads devices without a shared subscription: both store every message (use a broker with MQTT v5 shared subscriptions, or run one ingest)',
      );
    };
    const sourcesTimer = setInterval(publishSources, SOURCES_INTERVAL_MS);
    sourcesTimer.unref();
    resources.defer(() => {
      clearInterval(sourcesTimer);
      publishSources();
    });
    const alerts = await resources.open(new AlertStore(config.store.sqlitePath), (a) => a.close());
    alerter = await resources.open(startAlerter(config, { alerts, store, logger }), (a) => a.stop());
    const busRejected = () => alerter?.busRejected() ?? {};
    let metricsUrl: string | undefined;
    if (config.ingestMetricsPort !== undefined) {
      const server = await resources.open(
        startMetricsServer(
          standaloneIngestRegistry(metrics, busRejected),
          config.ingestMetricsPort,
          config.http.host,
          config.token,
          logger,
        ),
        (m) => m.stop(),
      );
      metricsUrl = server.url;
    }
    // Registered last so it runs first on stop: messages held by a failing store are released.
    resources.defer(() => stopping.abort());
    return { stats, router, metrics: { registry: metrics.registry, busRejected }, metricsUrl };
  });
}
