/**
 * Ingest's broker connection. MQTT v5 first (MQTT_PROTOCOL=auto), because several ingest
 * processes can then share the device topics through a shared subscription ($share/vigil/...);
 * brokers without v5 (the embedded Aedes, RabbitMQ 3.10) get MQTT 3.1.1 and a plain
 * subscription, which suits a single ingest. lib/mqtt.ts decides when to fall back.
 */
import { connectMqtt, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';

/** How long the broker keeps ingest's session (and queues readings for it) while ingest is away. */
export const SESSION_EXPIRY_S = 7 * 24 * 3600;

export const SHARE_GROUP = 'vigil';

export interface IngestConnection {
  readonly client: MqttClient;
  readonly shared: boolean;
}

export async function connectIngest(url: string, options: ConnectOptions): Promise<IngestConnection> {
  // A v5 session with expiry 0 would end at disconnect: the expiry is what makes it persistent.
  const client = await connectMqtt(url, { ...options, v5: { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } });
  const v5 = client.options.protocolVersion === 5;
  return { client, shared: v5 && client.serverProperties?.sharedSubscriptionAvailable !== false };
}

export function subscriptionFilters(filters: readonly string[], shared: boolean): string[] {
  return shared ? filters.map((f) => `$share/${SHARE_GROUP}/${f}`) : [...filters];
}
