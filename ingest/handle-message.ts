/**
 * What ingest does with one MQTT message: classify the topic, parse, make accepted readings
 * durable, and report the outcome. It returns only after a reading is durable (or throws if the
 * sink failed), so the caller can acknowledge QoS 1 right after it.
 */
import type { DeviceStatus, RejectReason, TelemetryEntry } from '../domain/reading.ts';
import { parseStatus, parseTelemetry } from '../domain/reading.ts';
import type { DurableSink } from '../store/port.ts';
import { parseDeviceTopic } from '../domain/topics.ts';

export interface Rejected {
  readonly topic: string;
  readonly device: string | null;
  readonly reason: RejectReason;
  readonly detail: string;
  readonly payload: Uint8Array;
  readonly ts: number;
}

export interface MessageOutcomes {
  /** `writeSeconds`: how long the durable write took. */
  accepted(entries: readonly TelemetryEntry[], receivedAt: number, writeSeconds: number): void;
  rejected(rejection: Rejected): void;
  status(device: string, status: DeviceStatus, ts: number): Promise<void>;
  /** Retained telemetry replayed when ingest subscribes: already handled when it was first sent. */
  ignoredRetained(): void;
}

export interface MessageHandlerOptions {
  readonly prefix: string;
  readonly sink: DurableSink;
  readonly outcomes: MessageOutcomes;
  readonly now?: () => number;
}

export type MessageHandler = (topic: string, payload: Uint8Array, retain: boolean) => void | Promise<void>;

export function createMessageHandler(options: MessageHandlerOptions): MessageHandler {
  const { prefix, sink, outcomes } = options;
  const now = options.now ?? Date.now;
  return (topic, payload, retain) => {
    const receivedAt = now();
    const where = parseDeviceTopic(prefix, topic);
    if (!where.ok) {
      outcomes.rejected({ topic, device: where.device ?? null, reason: where.reason, detail: where.detail, payload, ts: receivedAt });
      return;
    }
    if (where.kind === 'status') {
      const status = parseStatus(payload);
      if (!status) {
        outcomes.rejected({
          topic,
          device: where.device,
          reason: 'bad_status',
          detail: 'status payload must be "online" or "offline"',
          payload,
          ts: receivedAt,
        });
        return;
      }
      if (retain && status === 'online') {
        // A replayed `online` says when the device last announced itself, not that it is alive
        // now; recording it at receive time would hold a dead device online for STALE_AFTER.
        outcomes.ignoredRetained();
        return;
      }
      return outcomes.status(where.device, status, receivedAt);
    }
    if (retain) {
      // A retained reading was stored when it was first published; replaying it would store a
      // ts-less reading twice and make a dead device look alive.
      outcomes.ignoredRetained();
      return;
    }
    const parsed = parseTelemetry(where.device, payload, receivedAt);
    if (!parsed.ok) {
      outcomes.rejected({ topic, device: where.device, reason: parsed.reason, detail: parsed.detail, payload, ts: receivedAt });
      return;
    }
    const started = performance.now();
    sink.appendSync(parsed.entries, receivedAt);
    outcomes.accepted(parsed.entries, receivedAt, (performance.now() - started) / 1000);
  };
}
