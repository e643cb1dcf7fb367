/**
 * What ingest does with one MQTT message: the source router picks the source that claims its
 * topic and decodes it; accepted readings are made durable, and the outcome is reported. It
 * returns only after a reading is durable (or throws if the sink failed), so the caller can
 * acknowledge QoS 1 right after it; with a GroupCommit it returns a promise that settles after
 * the commit holding the reading (or rejects). A topic no source takes is only noted (the router lists it
 * for /api/sources/unmatched) and acknowledged: it is not Vigil's to hold.
 */
import type { DeviceMeta } from '../domain/devices.ts';
import type { DeviceStatus, RejectReason, TelemetryEntry } from '../domain/reading.ts';
import type { Routed, SourceRouter } from '../sources/router.ts';
import type { DurableSink } from '../store/port.ts';
import type { GroupCommit } from './group-commit.ts';

export interface Rejected {
  readonly topic: string;
  readonly device: string | null;
  readonly reason: RejectReason;
  readonly detail: string;
  readonly payload: Uint8Array;
  readonly ts: number;
  /** The source that claimed the message. */
  readonly source: string;
}

export interface MessageOutcomes {
  /** `writeSeconds`: how long the durable write took. */
  accepted(entries: readonly TelemetryEntry[], receivedAt: number, writeSeconds: number): void;
  rejected(rejection: Rejected): void;
  status(device: string, status: DeviceStatus, ts: number): Promise<void>;
  /** A source claimed the message and left it out on purpose; `why: 'retained'` for replays. */
  ignored(source: string, why: string): void;
  /** A source needs these MQTT filters from now on (a discovery message named a state topic). */
  configured(source: string, filters: readonly string[]): void;
  /** Names and units a source learned; runs after the message's readings are durable. */
  meta(meta: readonly DeviceMeta[]): void;
  /** No source took the topic (the router has noted it). */
  unmatched?(topic: string): void;
}

export interface MessageHandlerOptions {
  readonly router: SourceRouter;
  readonly sink: DurableSink;
  readonly outcomes: MessageOutcomes;
  readonly now?: () => number;
  /**
   * Commit the readings of messages waiting in the same event-loop turn together (ingest/group-commit.ts):
   * the handler then returns a promise that settles after the group's commit.
   */
  readonly group?: GroupCommit;
}

export type MessageHandler = (topic: string, payload: Uint8Array, retain: boolean) => void | Promise<void>;

/** Vigil's own topics and the broker's: never a device's, so never routed or listed. */
export function isReservedTopic(topic: string): boolean {
  return topic === 'vigil' || topic.startsWith('vigil/') || topic.startsWith('$');
}

export function createMessageHandler(options: MessageHandlerOptions): MessageHandler {
  const { router, sink, outcomes, group } = options;
  const now = options.now ?? Date.now;
  /**
   * Messages whose write failed, by payload (acknowledgeAfter retries with the same buffer): a
   * retry reuses the first decode, so the source's counters see the message once, and a
   * reading without ts keeps the time it first arrived.
   */
  const held = new WeakMap<Uint8Array, { receivedAt: number; routed: Routed }>();
  const hold = <T>(payload: Uint8Array, first: { receivedAt: number; routed: Routed }, write: () => T): T => {
    try {
      const result = write();
      if (result instanceof Promise) {
        result.then(
          () => held.delete(payload),
          () => held.set(payload, first),
        );
      } else held.delete(payload);
      return result;
    } catch (err) {
      held.set(payload, first);
      throw err;
    }
  };
  return (topic, payload, retain) => {
    if (isReservedTopic(topic)) return;
    const again = held.get(payload);
    const receivedAt = again?.receivedAt ?? now();
    const routed = again?.routed ?? router.route({ topic, payload, retain, receivedAt });
    if (routed.source === null) {
      outcomes.unmatched?.(topic);
      return;
    }
    const { source, decoded } = routed;
    switch (decoded.kind) {
      case 'readings': {
        const started = performance.now();
        const accepted = (): void => {
          outcomes.accepted(decoded.entries, receivedAt, (performance.now() - started) / 1000);
          if (decoded.meta.length > 0) outcomes.meta(decoded.meta);
        };
        if (group) return hold(payload, { receivedAt, routed }, () => group.append(decoded.entries, receivedAt).then(accepted));
        hold(payload, { receivedAt, routed }, () => sink.appendSync(decoded.entries, receivedAt));
        accepted();
        return;
      }
      case 'status':
        if (decoded.meta.length > 0) outcomes.meta(decoded.meta);
        return hold(payload, { receivedAt, routed }, () => outcomes.status(decoded.device, decoded.status, receivedAt));
      case 'configured':
        if (decoded.meta.length > 0) outcomes.meta(decoded.meta);
        if (decoded.subscribe.length > 0) outcomes.configured(source, decoded.subscribe);
        return;
      case 'ignored':
        outcomes.ignored(source, decoded.why);
        return;
      case 'rejected':
        outcomes.rejected({
          topic,
          device: decoded.device,
          reason: decoded.reason,
          detail: decoded.detail,
          payload,
          ts: receivedAt,
          source,
        });
        return;
    }
  };
}
