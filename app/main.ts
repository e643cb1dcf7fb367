/**
 * The all-in-one process of `npm start`: embedded broker (unless MQTT_URL), one store shared by
 * ingest and the API, the API with the dashboard, and the built-in simulator. Started in
 * dependency order; a failure unwinds what was already running.
 */
import type { VigilConfig } from '../lib/config.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { openStore } from '../store/index.ts';
import { SqliteRegistry } from '../store/registry-sqlite.ts';
import { start as startApi } from '../api/index.ts';
import { start as startBroker } from '../broker/index.ts';
import { start as startIngest, type IngestDeps } from '../ingest/index.ts';
import { sourcesFor } from '../ingest/sources.ts';
import { sourceFilters, topicClaims } from '../sources/claims.ts';
import { startBuiltInSimulator } from './simulator.ts';
import { createMessageTap } from '../lib/message-tap.ts';
import type { BrokerGuardStats, BrokerHandle } from '../broker/index.ts';
import { randomBytes } from 'node:crypto';
import { acquireInstanceLock } from '../lib/instance-lock.ts';
import { devicesPasswdPath } from '../broker/device-credentials.ts';
import { isLoopbackHost } from '../lib/net.ts';
import { BUILT_IN_SIM_IDS, type DeviceAccess } from './device-access.ts';

/**
 * How long a stop waits for device messages already handed to ingest to become durable. A store
 * that keeps failing would hold them forever; after this, ingest's stop releases them
 * unacknowledged (the devices send them again), so nothing unstored is ever acknowledged.
 */
const DRAIN_TIMEOUT_MS = 3_000;

export interface VigilHandle extends Handle {
  readonly url: string;
  readonly token: string;
  readonly tokenSource: 'env' | 'file' | 'generated';
  readonly brokerUrl: string;
  /** True when this process runs the embedded broker. */
  readonly embeddedBroker: boolean;
  /** The embedded broker's per-boot credentials for Vigil's own clients (tests watch vigil/# with them). */
  readonly serviceCredentials?: { readonly username: string; readonly password: string };
  /** How devices get into the embedded broker (absent with MQTT_URL). */
  readonly deviceAccess?: DeviceAccess;
  /** The embedded broker's refusal counters (absent with MQTT_URL). */
  readonly brokerGuard?: BrokerGuardStats;
}

/** The broker's counters as /metrics labels them. */
function refusedByReason(guard: BrokerGuardStats): () => Readonly<Record<string, number>> {
  return () => ({
    bad_credentials: guard.badCredentials,
    anonymous: guard.anonymousRefused,
    foreign_topic: guard.foreignTopic,
    packet_too_large: guard.packetTooLarge,
    vigil_topic: guard.refused,
    oversized: guard.oversized,
    retained_full: guard.retainedRefused,
  });
}

export interface VigilOptions {
  readonly logger?: Logger;
  readonly dashboardDir?: string;
  /** Ingest's extras: device sources beside config's (tests), where discovered names and units go. */
  readonly ingest?: Pick<IngestDeps, 'sources' | 'meta'>;
}

export async function startVigil(config: VigilConfig, options: VigilOptions = {}): Promise<VigilHandle> {
  const logger = options.logger ?? silentLogger;
  return startWith(async (resources) => {
    // First of all, so a second start on the same store touches nothing (not even the broker port).
    if (config.store.kind === 'sqlite') await resources.open(acquireInstanceLock(`${config.store.sqlitePath}.lock`), (l) => l.release());
    let effective = config;
    let brokerUrl = config.mqtt.urls[0];
    let broker: BrokerHandle | undefined;
    let simulatorAuth: { readonly username: string; readonly password: string } | undefined;
    // Device messages go from the embedded broker to ingest in-process, and are acknowledged to
    // the device only once durable (docs/ingest.md).
    const tap = brokerUrl === undefined ? createMessageTap() : undefined;
    if (brokerUrl === undefined) {
      // The embedded broker listens where the API does: loopback by default, the LAN with HOST=0.0.0.0.
      // Vigil's own clients sign in with a per-boot secret devices never see; only they may use
      // vigil/# or a client id starting with MQTT_CLIENT_ID- (docs/ingest.md).
      const service = {
        username: `vigil-service-${randomBytes(4).toString('hex')}`,
        password: randomBytes(24).toString('base64url'),
        reservedClientIdPrefix: `${config.mqtt.clientId}-`,
      };
      // The built-in simulator's devices sign in as themselves with a per-boot secret, so they
      // work with MQTT_ANONYMOUS off and get exactly a device's rights (never vigil/#).
      const simulatorPassword = config.simDevices > 0 ? randomBytes(24).toString('base64url') : undefined;
      const sources = sourcesFor(config, options.ingest?.sources).sources;
      const devices = {
        anonymous: config.mqtt.anonymous,
        topicPrefix: config.topicPrefix,
        credentialsFile: devicesPasswdPath(config.store.sqlitePath),
        // The sources ingest will run, built the same way, so a Tasmota plug signed in as
        // `plug-1` may publish tele/plug-1/SENSOR (docs/security.md).
        claims: topicClaims(sources),
        sourceFilters: sourceFilters(sources),
        ...(simulatorPassword ? { bootDevices: { ids: BUILT_IN_SIM_IDS, password: simulatorPassword } } : {}),
      };
      broker = await resources.open(
        startBroker({ port: config.mqtt.embeddedPort, host: config.http.host, logger, tap, service, devices }),
        (b) => b.stop(),
      );
      if (simulatorPassword) simulatorAuth = { username: '{id}', password: simulatorPassword };
      if (config.mqtt.anonymous && !isLoopbackHost(config.http.host)) {
        logger.warn(
          { host: config.http.host, port: broker.port },
          'MQTT_ANONYMOUS=true beyond loopback: anyone who reaches the MQTT port can publish as any device; give devices credentials (npm run device:add -- <id>) and unset it',
        );
      }
      brokerUrl = broker.url;
      // Every component below reads the broker from config, so point it at the embedded one.
      effective = { ...config, mqtt: { ...config.mqtt, urls: [broker.url], username: service.username, password: service.password } };
    }
    const store = await resources.open(openStore(effective, { logger }), (s) => s.close());
    // One registry for both: names a source discovers show in the API without a sync delay.
    const registry = await resources.open(new SqliteRegistry(effective.store.sqlitePath, { logger }), (r) => r.close());
    // The API's /metrics serves ingest's families here, so ingest serves no /metrics of its own:
    // one process, one Prometheus target.
    const ingest = await resources.open(
      startIngest(
        { ...effective, ingestMetricsPort: undefined },
        { meta: registry, ...options.ingest, logger, store, ...(tap ? { tap, embeddedBroker: true } : {}) },
      ),
      (h) => h.stop(),
    );
    const api = await resources.open(
      startApi(effective, {
        logger,
        store,
        registry,
        ingest: ingest.metrics,
        embeddedBroker: broker !== undefined,
        ...(broker ? { brokerRefused: refusedByReason(broker.guard) } : {}),
        ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
      }),
      (h) => h.stop(),
    );
    if (config.simDevices > 0) {
      await resources.open(startBuiltInSimulator(effective, brokerUrl, logger, simulatorAuth), (h) => h.stop());
    }
    if (broker) {
      // Registered last, so it runs first on stop: devices are refused before anything else stops,
      // and what they already sent is made durable while ingest and the store are still up.
      const embedded = broker;
      resources.defer(async () => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
        await Promise.race([embedded.stopAccepting(), timeout]);
        clearTimeout(timer);
      });
    }
    return {
      url: api.url,
      token: api.token,
      tokenSource: api.tokenSource,
      brokerUrl,
      embeddedBroker: config.mqtt.urls.length === 0,
      ...(broker
        ? {
            serviceCredentials: { username: effective.mqtt.username ?? '', password: effective.mqtt.password ?? '' },
            deviceAccess: {
              anonymous: broker.devices.anonymous,
              credentialsFile: broker.devices.credentialsFile ?? '',
              devices: broker.devices.count(),
            },
            brokerGuard: broker.guard,
          }
        : {}),
    };
  });
}
