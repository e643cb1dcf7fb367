/**
 * Vigil's own topics, one kind each, and the two ways to use them: publishBus (every producer)
 * and subscribeBus (every consumer). A consumer's handlers see only decoded values: a message
 * that does not decode is counted, logged (rate-limited) and dropped before any handler runs.
 */
import type { IClientPublishOptions } from 'mqtt';
import type { Logger } from '../lib/logger.ts';
import { alerts } from './alert.ts';
import { deviceEvents } from './device.ts';
import { ingestStats } from './ingest-stats.ts';
import { readings } from './readings.ts';
import { rejectedMessages } from './rejected.ts';
import type { BusRejections } from './rejections.ts';
import { rulesChanged } from './rules-changed.ts';
import { sourcesStats } from './sources.ts';
import type { VigilTopic } from './topics.ts';
import type { BusKind } from './wire.ts';

export { VIGIL_TOPICS, type VigilTopic } from './topics.ts';
export { BusRejections } from './rejections.ts';
export type { BusKind, BusRejectReason, BusRejection, Decoded } from './wire.ts';

/** Every kind, by the key its topic has in VIGIL_TOPICS. */
export const BUS = {
  readings,
  device: deviceEvents,
  alert: alerts,
  rejected: rejectedMessages,
  stats: ingestStats,
  sources: sourcesStats,
  rulesChanged,
} as const;

export type BusKey = keyof typeof BUS;
export type BusValue<K extends BusKey> = (typeof BUS)[K] extends BusKind<infer T> ? T : never;

/** The part of an MQTT client a producer needs. */
export interface BusPublisher {
  publish(topic: string, message: string, options: IClientPublishOptions): unknown;
}

export function publishBus<T>(client: BusPublisher, kind: BusKind<T>, value: T): void {
  client.publish(kind.topic, kind.encode(value), { qos: kind.qos });
}

export type BusHandlers = { readonly [K in BusKey]?: (value: BusValue<K>) => void };

/** The part of an MQTT client a consumer needs. */
export interface BusSubscriber {
  on(event: 'message', listener: (topic: string, payload: Buffer) => void): unknown;
  subscribeAsync(topics: Record<string, { qos: 0 | 1 }>): Promise<unknown>;
}

export interface SubscribeOptions {
  readonly rejections: BusRejections;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Subscribes to the topics `handlers` names and calls each handler with decoded values only.
 * A handler that throws is logged; the message is not retried.
 */
export async function subscribeBus(client: BusSubscriber, handlers: BusHandlers, options: SubscribeOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const byTopic = new Map<string, (payload: Buffer) => void>();
  for (const key of Object.keys(handlers) as BusKey[]) {
    const handler = handlers[key] as ((value: unknown) => void) | undefined;
    if (!handler) continue;
    const kind = BUS[key] as BusKind<unknown>;
    byTopic.set(kind.topic, (payload) => {
      const decoded = kind.decode(payload, now());
      if (!decoded.ok) {
        options.rejections.reject(kind.topic, decoded, payload.byteLength);
        return;
      }
      try {
        handler(decoded.value);
      } catch (err) {
        options.logger.error({ topic: kind.topic, err }, 'handling a Vigil message failed');
      }
    });
  }
  client.on('message', (topic, payload) => byTopic.get(topic)?.(payload));
  const topics: Record<string, { qos: 0 | 1 }> = {};
  for (const key of Object.keys(handlers) as BusKey[]) if (handlers[key]) topics[BUS[key].topic] = { qos: BUS[key].qos };
  await client.subscribeAsync(topics);
}

/** Decodes one message by its topic; for tools and tests that read several kinds. */
export function decodeBus(topic: VigilTopic, payload: Uint8Array, now?: number) {
  const kind = Object.values(BUS).find((k) => k.topic === topic) as BusKind<unknown>;
  return kind.decode(payload, now);
}
