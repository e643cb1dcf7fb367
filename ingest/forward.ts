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
  /** While the broker is unreachable or behind, keep at most this many entries; the store has them all anyway. */
  readonly maxBuffered?: number;
  /**
   * Readings messages published but not yet acknowledged (PUBACK) at most. mqtt.js keeps every
   * unacknowledged QoS 1 message in memory, so a broker that acknowledges slower than ingest
   * stores (a busy Mosquitto queueing a backlog) grew ingest's heap without bound: 1,294 batches,
   * 10 MB, after two minutes of a soak on a loaded machine (issue 18). Past this, entries wait in
   * the buffer (bounded by maxBuffered) for acknowledgements, as while the broker is away.
   */
  readonly maxInFlight?: number;
}

export class Forwarder {
  private buffer: TelemetryEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Readings not forwarded because the buffer was full while the broker was away or behind. */
  dropped = 0;

  constructor(
    private readonly client: MqttClient,
    options: ForwarderOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 20;
    this.maxBatch = options.maxBatch ?? 500;
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.maxInFlight = options.maxInFlight ?? 100;
  }

  /** Readings messages awaiting the broker's acknowledgement. */
  get unacknowledged(): number {
    return this.inFlight;
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
    this.flush(true);
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

  flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    if (!this.client.connected) {
      this.timer = setTimeout(() => this.flush(), 250);
      return;
    }
    const room = this.maxInFlight - this.inFlight;
    // The broker is behind: keep buffering; an acknowledgement flushes again. A device event
    // forces the flush so that the readings before it still go out first (bounded: maxBuffered).
    if (room <= 0 && !force) return;
    const take = force ? this.buffer.length : room * this.maxBatch;
    const sending = take >= this.buffer.length ? this.buffer : this.buffer.slice(0, take);
    this.buffer = take >= this.buffer.length ? [] : this.buffer.slice(take);
    // Split by entries and by bytes, so every message fits what consumers decode (bus/readings.ts);
    // a split by bytes may send a message or two past maxInFlight.
    const { payloads, dropped } = encodeBatches(sending, this.maxBatch);
    this.dropped += dropped;
    for (const payload of payloads) {
      this.inFlight++;
      this.client.publish(BUS.readings.topic, payload, { qos: BUS.readings.qos }, () => this.acknowledged());
    }
  }

  /** PUBACK (or the publish given up at close): room for one more message, so send what waited. */
  private acknowledged(): void {
    this.inFlight--;
    if (this.buffer.length > 0 && this.inFlight < this.maxInFlight) this.timer ??= setTimeout(() => this.flush(), 0);
  }

  stop(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
