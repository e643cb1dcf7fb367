/**
 * One simulated device without its connection: its id, its signals, its clock, the backlog it
 * keeps while it cannot publish, and the payloads it sends. Pure apart from the `now` it is given.
 */
import { MAX_BATCH_ENTRIES, MAX_PAYLOAD_BYTES } from '../domain/reading.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { deviceId, maxEntryBytes, type SimulatorOptions } from './options.ts';
import { Rng, STREAMS } from './prng.ts';
import { DeviceSignals } from './signals.ts';

export interface Entry {
  readonly ts: number;
  readonly values: Readonly<Record<string, number>>;
  readonly anomaly: string | undefined;
}

export interface Message {
  readonly payload: Buffer;
  readonly entries: number;
  readonly anomalies: number;
}

/** A device that cannot publish keeps at most this many samples, dropping the oldest. */
export const MAX_BACKLOG = 5_000;

/** Forward clock skew stays under ingest's 5-minute future limit, so skewed readings are still accepted. */
export const SKEW_RANGE_MS: readonly [number, number] = [30_000, 180_000];

export class SimDevice {
  readonly id: string;
  readonly index: number;
  private readonly signals: DeviceSignals;
  private readonly faultRng: Rng;
  private readonly chunkEntries: number;
  private lastTs = -Infinity;
  private backlog: Entry[] = [];
  /** Added to the wall clock when this device stamps a sample. */
  skewMs = 0;
  dropped = 0;

  constructor(
    private readonly options: SimulatorOptions,
    index: number,
    /** How often this device publishes, for spacing the timestamps inside a batch. */
    private readonly periodMs: number,
  ) {
    this.index = index;
    this.id = deviceId(options.idPrefix, index, options.devices);
    this.signals = new DeviceSignals({ ...options, deviceIndex: index });
    this.faultRng = Rng.for(options.seed, index, STREAMS.fault);
    this.chunkEntries = Math.max(1, Math.min(MAX_BATCH_ENTRIES, Math.floor((MAX_PAYLOAD_BYTES - 2) / maxEntryBytes(options.metrics))));
  }

  /** How far this device's last timestamp runs ahead of `now` plus its skew: above 0 when it publishes more than 1000 entries a second. */
  leadMs(now: number): number {
    return this.lastTs - (now + this.skewMs);
  }

  get backlogSize(): number {
    return this.backlog.length;
  }

  /**
   * `n` fresh samples spread evenly over the last publish period and ending now. Timestamps are
   * strictly increasing per device, whatever the wall clock or skew does, because ingest
   * deduplicates on (device, metric, ts).
   */
  sample(now: number, n = 1): Entry[] {
    const step = Math.max(1, Math.floor(this.periodMs / n));
    const end = Math.round(now + this.skewMs);
    const out: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const ts = Math.max(end - (n - 1 - i) * step, this.lastTs + 1);
      this.lastTs = ts;
      const { values, anomaly } = this.signals.next();
      out.push({ ts, values, anomaly });
    }
    return out;
  }

  /** A turn spent unable to publish: the samples go to the backlog, as a real device buffers them. */
  buffer(now: number): void {
    for (const entry of this.sample(now, this.options.batch)) this.backlog.push(entry);
    if (this.backlog.length > MAX_BACKLOG) {
      const excess = this.backlog.length - MAX_BACKLOG;
      this.backlog.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** This turn's message: the backlog first (as batches that fit the limits), else fresh samples. */
  message(now: number): Message {
    if (this.backlog.length > 0) {
      for (const entry of this.sample(now, this.options.batch)) this.backlog.push(entry);
      const chunk = this.backlog.splice(0, this.chunkEntries);
      return { payload: encodeBatch(chunk), entries: chunk.length, anomalies: countAnomalies(chunk) };
    }
    const entries = this.sample(now, this.options.batch);
    const payload = this.options.batch === 1 ? encodeFlat(entries[0]!) : encodeBatch(entries);
    return { payload, entries: entries.length, anomalies: countAnomalies(entries) };
  }

  /** Whether this turn is a fault, and which: drawn from the device's own fault stream. */
  drawFault(): FaultKind | undefined {
    if (!this.faultRng.chance(this.options.faults)) return undefined;
    return this.faultRng.pick(FAULT_KINDS);
  }

  faultVariant(): number {
    return this.faultRng.int(0, 1_000_000);
  }

  /** How long an `offline` fault keeps the device dark: 5 to 30 of its publish periods, at least 1 s. */
  offlineMs(): number {
    return Math.max(1_000, this.faultRng.int(5, 30) * this.periodMs);
  }

  /** The clock jumps ahead, or (if already skewed) resynchronises; timestamps never go back. */
  skewClock(): void {
    this.skewMs = this.skewMs === 0 ? this.faultRng.int(SKEW_RANGE_MS[0], SKEW_RANGE_MS[1]) : 0;
  }
}

function countAnomalies(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) if (e.anomaly !== undefined) n++;
  return n;
}

/**
 * Hand-built JSON: metric names are already checked against METRIC_NAME (nothing to escape) and
 * values are finite, so this is valid JSON and several times faster than JSON.stringify at load.
 */
function encodeValues(values: Readonly<Record<string, number>>): string {
  let out = '';
  for (const metric in values) out += `${out ? ',' : ''}"${metric}":${values[metric]}`;
  return out;
}

/** A single reading in the flat form devices most often send: {"ts":..,"temperature":..}. */
export function encodeFlat(entry: Entry): Buffer {
  return Buffer.from(`{"ts":${entry.ts},${encodeValues(entry.values)}}`);
}

/** A batch of explicit entries: [{"ts":..,"values":{..}}, ..]. */
export function encodeBatch(entries: readonly Entry[]): Buffer {
  let out = '[';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    out += `${i ? ',' : ''}{"ts":${e.ts},"values":{${encodeValues(e.values)}}}`;
  }
  return Buffer.from(`${out}]`);
}
