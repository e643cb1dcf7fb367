/**
 * mqtt.js sends the PUBACK of a QoS 1 message when the client's handleMessage calls back, and
 * reads the next packet only after that. So the handler runs first and the callback follows
 * only once the reading is durable. A store failure holds the message and retries with backoff:
 * the broker keeps queueing behind it (backpressure), and nothing unstored is acknowledged.
 */
import type { IPublishPacket } from 'mqtt';
import type { MessageHandler } from './handle-message.ts';
import { backoffDelay } from '../domain/backoff.ts';

export interface AcknowledgeOptions {
  /** Once per message, before it is handled. */
  onReceived?(): void;
  onStoreError(err: Error, attempt: number): void;
  /** Once when a message that failed is stored after all, or given up on at stop. */
  onSettled?(): void;
  readonly maxBackoffMs?: number;
  /** Once aborted (ingest stopping), a failing message is left unacknowledged for the broker to redeliver. */
  readonly signal?: AbortSignal;
}

type DoneCallback = (error?: Error) => void;

/** What the handler needs of a message: an mqtt.js packet, or one the embedded broker tapped. */
export type AckedMessage = Pick<IPublishPacket, 'topic' | 'payload' | 'retain'> & { readonly qos?: number };

/** A MessageHandler that may also look at the QoS (ingest picks grouped commits for QoS 0 with it). */
export type QosAwareHandler = (topic: string, payload: Uint8Array, retain: boolean, qos: number) => ReturnType<MessageHandler>;

/**
 * mqtt.js handles a whole socket read (up to ~2 MB of small messages) in one nextTick chain, so
 * under a flood nothing else (timers, the store's forwarder, live events) would run until it is
 * done. Calling back through setImmediate once this long has passed lets the loop breathe.
 */
const YIELD_EVERY_MS = 5;

export function acknowledgeAfter(handle: QosAwareHandler, options: AcknowledgeOptions) {
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  let lastYield = performance.now();
  /** Messages held for a retry right now: while there are any, QoS 0 waits for its commit too (backpressure). */
  let holding = 0;
  return (packet: AckedMessage, callback: DoneCallback): void => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const qos = packet.qos ?? 1;
    let attempt = 0;
    /** A QoS 0 message let go before its commit: it has no PUBACK to hold, and the connection may read on. */
    let released = false;
    options.onReceived?.();
    const run = (): void => {
      attempt++;
      let pending: void | Promise<void>;
      try {
        pending = handle(packet.topic, payload, packet.retain === true, qos);
      } catch (err) {
        retry(err);
        return;
      }
      if (!pending) {
        done();
        return;
      }
      pending.then(done, retry);
      // A grouped commit (ingest/group-commit.ts) runs once the turn's messages are in: QoS 0 lets
      // the connection hand over its next message now, so a whole socket read shares one commit.
      if (qos === 0 && attempt === 1 && holding === 0) {
        released = true;
        release();
      }
    };
    const done = (): void => {
      if (attempt > 1) {
        holding--;
        options.onSettled?.();
      }
      if (!released) release();
    };
    const release = (): void => {
      const now = performance.now();
      if (now - lastYield < YIELD_EVERY_MS) {
        callback();
        return;
      }
      lastYield = now;
      setImmediate(() => callback());
    };
    const retry = (err: unknown): void => {
      const error = err instanceof Error ? err : new Error(String(err));
      if (options.signal?.aborted) {
        if (attempt > 1) {
          holding--;
          options.onSettled?.();
        }
        if (!released) callback(error);
        return;
      }
      if (attempt === 1) holding++;
      options.onStoreError(error, attempt);
      setTimeout(run, backoffDelay(attempt, { baseMs: 200, maxMs: maxBackoff }));
    };
    run();
  };
}
