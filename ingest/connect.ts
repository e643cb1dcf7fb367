/**
 * Ingest's broker connections. MQTT v5 first (MQTT_PROTOCOL=auto), because several ingest
 * processes, and several connections of one process (INGEST_CONNECTIONS), can then share the
 * device topics through a shared subscription ($share/vigil/...); brokers without v5 (the
 * embedded Aedes, RabbitMQ 3.10) get MQTT 3.1.1 and a plain subscription on one connection,
 * which suits a single ingest. lib/mqtt.ts decides when to fall back.
 */
import { connectMqtt, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';

/** How long the broker keeps ingest's session (and queues readings for it) while ingest is away. */
export const SESSION_EXPIRY_S = 7 * 24 * 3600;

export const SHARE_GROUP = 'vigil';

/** SUBACK reason code of an MQTT 5 broker that takes no shared subscriptions. */
export const SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9e;

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

/**
 * The client id of a broker's `k`th connection. The first keeps the id ingest always had, so an
 * upgrade finds its session (and what the broker queued in it); the others are just as stable,
 * so each one's session is found again after a restart. `-s<k>` cannot collide with `-<index>`,
 * the suffix of a second broker's first connection.
 */
export function connectionClientId(base: string, k: number): string {
  return k === 0 ? base : `${base}-s${k}`;
}

/**
 * Subscribes to the device filters, shared when the broker said it can. A broker that announced
 * shared subscriptions and then refuses one with 0x9E gets the plain filters instead: `shared`
 * in the answer says which it took.
 */
export async function subscribeDevices(client: MqttClient, filters: readonly string[], shared: boolean): Promise<{ shared: boolean }> {
  if (filters.length === 0) return { shared };
  try {
    await client.subscribeAsync(subscriptionFilters(filters, shared), { qos: 1 });
    return { shared };
  } catch (err) {
    if (!shared || (err as { code?: unknown }).code !== SHARED_SUBSCRIPTIONS_NOT_SUPPORTED) throw err;
  }
  await client.subscribeAsync([...filters], { qos: 1 });
  return { shared: false };
}
