/**
 * Carries accepted readings, device changes and rejections to every API process through the
 * broker. Readings are batched (one message per flush) so that a busy fleet costs the broker a
 * few messages per second instead of one per reading.
 */
import type { MqttClient } from '../lib/mqtt.ts';
import type { DeviceEvent, RejectedMessage } from '../domain/events.ts';
import type { IngestSnapshot } from '../bus/ingest-stats.ts';
import type { SourcesSnapshot } from '../bus/sources.ts';
import type { TelemetryEntry } from '../domain/reading.ts';
import { BUS, publishBus } from '../bus/index.ts';
import { encodeBatches } from '../bus/readings.ts';

export interface ForwarderOptions {
  readonly flushMs?: number;
  readonly maxBatch?: number;
  /** While the broker is unreachable, keep at most this many entries; the store has them all anyway. */
  readonly maxBuffered?: number;
}

export class Forwarder {
  private buffer: TelemetryEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  /** Readings not forwarded because the buffer was full while the broker was away. */
  dropped = 0;

  constructor(
    private readonly client: MqttClient,
    options: ForwarderOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 20;
    this.maxBatch = options.maxBatch ?? 500;
    this.maxBuffered = options.maxBuffered ?? 50_000;
  }

  readings(entries: readonly TelemetryEntry[]): void {
    const room = this.maxBuffered - this.buffer.length;
    if (room < entries.length) this.dropped += entries.length - Math.max(0, room);
    for (let i = 0; i < Math.min(room, entries.length); i++) this.buffer.push(entries[i]!);
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  device(event: DeviceEvent): void {
    // Readings received before this status go out first, so API processes see them in order.
    this.flush();
    publishBus(this.client, BUS.device, event);
  }

  stats(snapshot: IngestSnapshot): void {
    if (this.client.connected) publishBus(this.client, BUS.stats, snapshot);
  }

  sources(snapshot: SourcesSnapshot): void {
    if (this.client.connected) publishBus(this.client, BUS.sources, snapshot);
  }

  rejected(message: RejectedMessage): void {
    publishBus(this.client, BUS.rejected, message);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    if (!this.client.connected) {
      this.timer = setTimeout(() => this.flush(), 250);
      return;
    }
    // Split by entries and by bytes, so every message fits what consumers decode (bus/readings.ts).
    const { payloads, dropped } = encodeBatches(this.buffer, this.maxBatch);
    this.buffer = [];
    this.dropped += dropped;
    for (const payload of payloads) this.client.publish(BUS.readings.topic, payload, { qos: BUS.readings.qos });
  }

  stop(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
