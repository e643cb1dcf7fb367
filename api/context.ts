import type { VigilConfig } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { MqttClient } from '../common/mqtt.ts';
import type { TelemetryStore } from '../common/store/port.ts';
import type { RejectedMessage } from '../common/events.ts';
import type { AlertStore } from '../common/alerts/store.ts';
import type { WebhookSender } from '../common/alerts/webhook.ts';
import type { OperatorAuth } from './auth.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { EventHub } from './sse/hub.ts';
import type { Ring } from './sse/ring.ts';

/** What route handlers may use: built once in start(), read-only for the routes. */
export interface ApiServices {
  readonly config: VigilConfig;
  readonly logger: Logger;
  readonly store: TelemetryStore;
  readonly hub: EventHub;
  readonly bus: MqttClient;
  readonly rejected: Ring<RejectedMessage>;
  readonly metrics: MetricsRegistry;
  readonly alerts: AlertStore;
  /** Set when ALERT_WEBHOOK_URL is: acknowledgements are sent from the API. */
  readonly webhook: WebhookSender | undefined;
  readonly auth: OperatorAuth;
  readonly now: () => number;
}
