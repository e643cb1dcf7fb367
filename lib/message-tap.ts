/**
 * The in-process path from the embedded broker to ingest. Aedes writes a QoS 1 PUBACK before it
 * routes the message (lib/handlers/publish.js: enqueuePublish writes PubAck, then publishes), so
 * a subscriber can never gate the ack. Its authorizePublish hook, though, runs before that write
 * and the PUBACK waits for its callback: the broker hands every device message to the tap there,
 * and ingest calls back only once the readings are durable (or with an error, which makes Aedes
 * drop the connection without a PUBACK, so the device sends the message again).
 *
 * app/main.ts creates one tap and gives it to both; broker/ and ingest/ never import each other.
 */

export interface TappedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** False for a live publish even when the device asked for retain: it is heard for the first time. */
  readonly retain: boolean;
  /**
   * Only to be listed among the topics no source takes, never decoded or stored: a signed-in
   * device's publish on a topic no source claims (broker/access.ts `publishRight`).
   */
  readonly listOnly?: boolean;
}

export type TapDone = (error?: Error) => void;
export type TapHandler = (message: TappedMessage, done: TapDone) => void;

export interface MessageTap {
  /** Ingest: takes the messages on these MQTT topic filters. */
  attach(filters: readonly string[], handler: TapHandler): void;
  detach(): void;
  /** Broker: true when a handler takes this topic. */
  wants(topic: string): boolean;
  /** Broker: hands a message over; `done` is called when it is durable (or refused). */
  deliver(message: TappedMessage, done: TapDone): void;
  /** Resolves when every delivered message has been called back. */
  drained(): Promise<void>;
}

/** MQTT filter matching (`+` one level, `#` the rest); `$`-topics never match wildcards. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function createMessageTap(): MessageTap {
  let filters: readonly string[] = [];
  let handler: TapHandler | undefined;
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    inFlight--;
    if (inFlight === 0) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  };
  return {
    attach(f, h) {
      filters = [...f];
      handler = h;
    },
    detach() {
      filters = [];
      handler = undefined;
    },
    wants: (topic) => handler !== undefined && filters.some((f) => topicMatches(f, topic)),
    deliver(message, done) {
      const take = handler;
      if (!take) {
        done(new Error('ingest is not taking messages'));
        return;
      }
      inFlight++;
      let called = false;
      take(message, (error) => {
        if (called) return;
        called = true;
        settle();
        done(error);
      });
    },
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
