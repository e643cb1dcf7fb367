import type { VigilConfig } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import type { MqttClient } from '../lib/mqtt.ts';
import type { AlertEventSink, TelemetryReader } from '../store/port.ts';
import type { RejectedMessage } from '../domain/events.ts';
import type { AlertStore } from '../alerts/alert-store.ts';
import type { WebhookSender } from '../alerts/webhook.ts';
import type { OperatorAuth } from './auth.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { EventHub } from './sse/hub.ts';
import type { IngestHealth } from './ingest-health.ts';
import type { SourcesView } from './sources.ts';
import type { Ring } from './sse/ring.ts';
import type { DeviceRegistry } from '../store/registry.ts';
import type { RegistryEvents } from './registry-events.ts';

/**
 * The API's half of the store port: it reads, and records the acknowledged transition where the
 * backend keeps alert events (InfluxDB). Ingest owns every other write.
 */
export type ApiStore = TelemetryReader & AlertEventSink;

/** What route handlers may use: built once in start(), read-only for the routes. */
export interface ApiServices {
  readonly config: VigilConfig;
  readonly logger: Logger;
  readonly store: ApiStore;
  readonly hub: EventHub;
  readonly bus: MqttClient;
  readonly rejected: Ring<RejectedMessage>;
  readonly metrics: MetricsRegistry;
  readonly alerts: AlertStore;
  /** Names, labels and units (store/registry.ts), joined into the device views here. */
  readonly registry: DeviceRegistry;
  /** Announces registry changes as `device` events; routes flush it after a change. */
  readonly registryEvents: RegistryEvents;
  /** Set when ALERT_WEBHOOK_URL is: acknowledgements are sent from the API. */
  readonly webhook: WebhookSender | undefined;
  readonly auth: OperatorAuth;
  /** What ingest's stats reports say: store writes failing, its MQTT session taken. */
  readonly ingestHealth: IngestHealth;
  /** What ingest reports about its device sources and unmatched topics. */
  readonly sources: SourcesView;
  readonly now: () => number;
}
