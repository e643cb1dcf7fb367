/**
 * One simulated device without its connection: its id, its signals, its clock, the backlog it
 * keeps while it cannot publish, and the payloads it sends. Pure apart from the `now` it is given.
 */
import { MAX_BATCH_ENTRIES, MAX_PAYLOAD_BYTES } from '../domain/reading.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { encodeBatch, encodeFlat } from './formats/vigil.ts';
import { deviceId, maxEntryBytes, type SimulatorOptions } from './options.ts';
import { Rng, STREAMS } from './prng.ts';
import { DeviceSignals } from './signals.ts';

export { encodeBatch, encodeFlat } from './formats/vigil.ts';

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

/** One turn's samples, for a format to turn into messages (simulator/formats/). */
export interface Sampled {
  readonly entries: readonly Entry[];
  readonly anomalies: number;
}

/** How the device's format packs samples; the default is the native format's. */
export interface Packing {
  /** Whether several samples go in one message (--batch, backlog flushes). */
  readonly batches: boolean;
  /** An upper bound on the bytes one sample takes in a batch message. */
  readonly entryBytes?: (metrics: readonly string[]) => number;
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
  /** Samples per turn: --batch where the format batches, else 1. */
  private readonly perTurn: number;
  /** A device whose format sends one reading per message (Tasmota, ESPHome, ...) keeps no backlog, as those devices do not. */
  private readonly keepsBacklog: boolean;
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
    packing: Packing = { batches: true },
  ) {
    this.index = index;
    this.id = deviceId(options.idPrefix, index, options.devices);
    this.signals = new DeviceSignals({ ...options, deviceIndex: index });
    this.faultRng = Rng.for(options.seed, index, STREAMS.fault);
    const entryBytes = (packing.entryBytes ?? maxEntryBytes)(options.metrics);
    this.chunkEntries = Math.max(1, Math.min(MAX_BATCH_ENTRIES, Math.floor((MAX_PAYLOAD_BYTES - 2) / entryBytes)));
    this.perTurn = packing.batches ? options.batch : 1;
    this.keepsBacklog = packing.batches;
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
    const samples = this.sample(now, this.perTurn);
    if (!this.keepsBacklog) {
      this.dropped += samples.length;
      return;
    }
    for (const entry of samples) this.backlog.push(entry);
    if (this.backlog.length > MAX_BACKLOG) {
      const excess = this.backlog.length - MAX_BACKLOG;
      this.backlog.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** This turn's message: the backlog first (as batches that fit the limits), else fresh samples. */
  message(now: number): Message {
    const { entries, anomalies } = this.take(now);
    const payload = entries.length === 1 ? encodeFlat(entries[0]!) : encodeBatch(entries);
    return { payload, entries: entries.length, anomalies };
  }

  /** This turn's samples: the backlog first (in chunks that fit the limits), else fresh ones. */
  take(now: number): Sampled {
    if (this.backlog.length > 0) {
      for (const entry of this.sample(now, this.perTurn)) this.backlog.push(entry);
      const chunk = this.backlog.splice(0, this.chunkEntries);
      return { entries: chunk, anomalies: countAnomalies(chunk) };
    }
    const entries = this.sample(now, this.perTurn);
    return { entries, anomalies: countAnomalies(entries) };
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
