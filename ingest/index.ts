/**
 * The ingest process: reads device topics from one or more brokers, validates each message,
 * makes accepted readings durable before acknowledging them, and forwards what it accepted to
 * the API processes through the first broker.
 */
import type { VigilConfig } from '../lib/config.ts';
import { primaryBrokerUrl } from '../lib/config.ts';
import { REJECTED_PAYLOAD_LIMIT } from '../domain/events.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import { endMqtt, redact, watchSessionTakeover } from '../lib/mqtt.ts';
import { connectIngest, subscriptionFilters } from './connect.ts';
import { openStore, type IngestStore } from '../store/index.ts';
import { deviceTopicFilters } from '../domain/topics.ts';
import { AlertStore } from '../alerts/alert-store.ts';
import { startAlerter, type AlerterHandle } from '../alerts/alerter.ts';
import { Forwarder } from './forward.ts';
import { createMessageHandler, type MessageOutcomes } from './handle-message.ts';
import { IngestStats } from './stats.ts';
import { acknowledgeAfter } from './acknowledge.ts';
import type { MessageTap } from '../lib/message-tap.ts';

const STATS_INTERVAL_MS = 1_000;
const NO_WEBHOOK = { delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 0 };

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
}

export interface IngestHandle extends Handle {
  readonly stats: IngestStats;
}

export async function start(config: VigilConfig, deps: IngestDeps = {}): Promise<IngestHandle> {
  const logger = (deps.logger ?? silentLogger).child({ component: 'ingest' });
  const stats = new IngestStats(config.instanceId);
  const rejectLog = new RateLimitedLog(logger);

  return startWith(async (resources) => {
    const store = deps.store ?? (await resources.open(openStore(config, { logger }), (s) => s.close()));
    const urls = config.mqtt.urls.length > 0 ? config.mqtt.urls : [primaryBrokerUrl(config)];
    const auth = { username: config.mqtt.username, password: config.mqtt.password };
    const filters = deviceTopicFilters(config.topicPrefix);

    const stopping = new AbortController();
    let forwarder: Forwarder | undefined;
    const outcomes: MessageOutcomes = {
      accepted(entries, _receivedAt, writeSeconds) {
        stats.accepted++;
        stats.writeLatency.observe(writeSeconds);
        for (const entry of entries) stats.points += Object.keys(entry.values).length;
        forwarder?.readings(entries);
      },
      rejected(r) {
        stats.reject(r.reason);
        rejectLog.warn(`reject:${r.reason}:${r.device ?? ''}`, { topic: r.topic, reason: r.reason, detail: r.detail }, 'message rejected');
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
      ignoredRetained() {
        stats.ignoredRetained++;
      },
    };
    const handle = createMessageHandler({ prefix: config.topicPrefix, sink: store, outcomes });
    const acknowledged = () =>
      acknowledgeAfter(handle, {
        signal: stopping.signal,
        onReceived: () => stats.received++,
        onSettled: () => stats.unacked--,
        onStoreError(err, attempt) {
          stats.storeErrors++;
          if (attempt === 1) stats.unacked++;
          rejectLog.warn('store-error', { err: err.message, attempt }, 'store write failed; holding the message and retrying');
        },
      });
    const tap = deps.tap;

    for (const [index, url] of urls.entries()) {
      const base = `${config.mqtt.clientId}-ingest-${config.instanceId}`;
      const clientId = index === 0 ? base : `${base}-${index}`;
      // A persistent session (clean: false) with a stable id: QoS 1 readings published while
      // ingest is down are queued by the broker and delivered when it reconnects.
      const { client, shared } = await connectIngest(url, {
        ...auth,
        clientId,
        clean: false,
        prepare: (c) => {
          // The first broker also carries Vigil's own topics; its backlog is forwarded too.
          if (index === 0) forwarder = new Forwarder(c);
          c.handleMessage = acknowledged();
        },
      });
      resources.defer(() => endMqtt(client));
      // Runs before the client ends (cleanups run last-first), so the final batch goes out.
      if (index === 0) resources.defer(() => forwarder?.stop());
      client.on('error', (err) => rejectLog.warn(`mqtt-error:${index}`, { broker: redact(url), err: err.message }, 'MQTT error'));
      client.on('offline', () => logger.warn({ broker: redact(url) }, 'broker unreachable; reconnecting'));
      client.on('connect', () => logger.info({ broker: redact(url) }, 'connected to broker'));
      watchSessionTakeover(client, (t) => {
        logger.error(
          { broker: redact(url), clientId: t.clientId, how: t.how },
          "another MQTT client took over ingest's session: it receives device messages instead of Vigil",
        );
      });
      if (index === 0 && tap) {
        // The embedded broker hands device messages over in-process (before their PUBACK); a
        // subscription as well would store each one twice.
        tap.attach([filters.telemetry, filters.status], acknowledged());
        resources.defer(() => tap.detach());
        logger.info(
          { broker: redact(url), clientId, topics: [filters.telemetry, filters.status] },
          'ingest takes device messages from the embedded broker',
        );
        continue;
      }
      const topics = subscriptionFilters([filters.telemetry, filters.status], shared);
      await client.subscribeAsync(topics, { qos: 1 });
      logger.info({ broker: redact(url), clientId, topics, protocol: client.options.protocolVersion }, 'ingest subscribed');
    }
    let alerter: AlerterHandle | undefined;
    const publishStats = () =>
      forwarder?.stats(
        stats.snapshot(
          forwarder.dropped,
          alerter?.isLeader() ?? false,
          alerter?.webhookStats() ?? NO_WEBHOOK,
          store.stats(),
          alerter?.busRejected(),
        ),
      );
    const statsTimer = setInterval(publishStats, STATS_INTERVAL_MS);
    statsTimer.unref();
    resources.defer(() => {
      clearInterval(statsTimer);
      publishStats();
    });
    const alerts = await resources.open(new AlertStore(config.store.sqlitePath), (a) => a.close());
    alerter = await resources.open(startAlerter(config, { alerts, store, logger }), (a) => a.stop());
    // Registered last so it runs first on stop: messages held by a failing store are released.
    resources.defer(() => stopping.abort());
    return { stats };
  });
}
