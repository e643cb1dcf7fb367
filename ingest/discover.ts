/**
 * DISCOVER_TOPICS on an external broker: a second, separate connection subscribed to `#` at QoS 0
 * with a clean session, only to list topics no source takes (/api/sources/unmatched). Its own
 * connection because a broker delivers a message once per matching subscription: on ingest's
 * connection the `#` copy of a device reading could not be told from the source's copy, and would
 * be stored twice. Here nothing is stored; a topic a source subscription covers is skipped, since
 * that subscription routes it (and notes it if its source declines it).
 */
import type { Logger } from '../lib/logger.ts';
import { RateLimitedLog } from '../lib/logger.ts';
import { topicMatches } from '../lib/message-tap.ts';
import { connectMqtt, endMqtt, redact, type ConnectOptions } from '../lib/mqtt.ts';
import type { SourceRouter } from '../sources/router.ts';
import { isReservedTopic } from './handle-message.ts';

export interface Discovery {
  readonly clientId: string;
  stop(): Promise<void>;
}

export async function startDiscovery(url: string, options: ConnectOptions, router: SourceRouter, logger: Logger): Promise<Discovery> {
  const client = await connectMqtt(url, { ...options, clean: true });
  const log = new RateLimitedLog(logger);
  client.on('error', (err) => log.warn('discover-error', { broker: redact(url), err: err.message }, 'MQTT error (topic discovery)'));
  client.on('message', (topic, payload, packet) => {
    if (isReservedTopic(topic)) return;
    if (router.filters().some((f) => topicMatches(f, topic))) return;
    router.noteUnmatched({ topic, payload, retain: packet.retain, receivedAt: Date.now() });
  });
  try {
    await client.subscribeAsync('#', { qos: 0 });
  } catch (err) {
    await endMqtt(client);
    throw new Error(`DISCOVER_TOPICS: cannot subscribe to # on ${redact(url)}: ${(err as Error).message}`);
  }
  return { clientId: String(options.clientId), stop: () => endMqtt(client) };
}
