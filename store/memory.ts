/**
 * The in-memory store: the same semantics as the SQLite and InfluxDB stores (it passes the same
 * contract suite, tests/contract/store-contract.ts), with nothing on disk and no server, so unit
 * tests of ingest, the API routes and the alerter can run against a real store in microseconds.
 * Not selectable with STORE: what it holds is gone when the process ends.
 *
 * Layout: per device and metric, two parallel arrays of ts and value kept sorted by ts, so a
 * range is two binary searches, as the (device, metric, ts) primary key is in SQLite.
 */
import type { Alert } from '../domain/alert.ts';
import type { DeviceStatus, Reading, TelemetryEntry } from '../domain/reading.ts';
import type {
  AlertEventKind,
  Bucket,
  DeviceRecord,
  HistoryQuery,
  HistorySeries,
  LatestValue,
  RawQuery,
  StoreStats,
  TelemetryStore,
} from './port.ts';
import { RetentionWindow } from './retention.ts';
import { StatsRecorder } from './stats.ts';

export interface MemoryStoreOptions {
  /** RETENTION; undefined keeps everything. */
  readonly retentionMs?: number;
  readonly now?: () => number;
}

/** An alert transition as recordAlertEvent was given it (what InfluxDB keeps in `alerts`). */
export interface RecordedAlertEvent {
  readonly alert: Alert;
  readonly event: AlertEventKind;
  readonly ts: number;
}

/**
 * Failures a test can switch on, to drive the paths a real store takes when its disk or server
 * fails: appendSync and recordStatus throw `write`, ping rejects with `ping`.
 */
export interface MemoryStoreFaults {
  write: Error | undefined;
  ping: Error | undefined;
}

/** Rows per page of the raw export, as the other stores page theirs. */
const EXPORT_PAGE = 5_000;

class Series {
  readonly ts: number[] = [];
  readonly values: number[] = [];

  /** Index of the first ts >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first ts > t. */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** False when a reading with this ts is already stored: the first one is kept, as in SQLite. */
  insert(t: number, value: number): boolean {
    const at = this.lowerBound(t);
    if (this.ts[at] === t) return false;
    if (at === this.ts.length) {
      this.ts.push(t);
      this.values.push(value);
    } else {
      this.ts.splice(at, 0, t);
      this.values.splice(at, 0, value);
    }
    return true;
  }

  /** Removes every reading older than `cutoff`; returns how many. */
  trim(cutoff: number): number {
    const n = this.lowerBound(cutoff);
    if (n > 0) {
      this.ts.splice(0, n);
      this.values.splice(0, n);
    }
    return n;
  }
}

interface DeviceEntry {
  reported: DeviceStatus | null;
  reportedAt: number | null;
  lastSeen: number | null;
  readonly latest: Map<string, LatestValue>;
  readonly series: Map<string, Series>;
}

/** SQLite's BINARY collation, the order devices and metrics are listed in by every store. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class MemoryStore implements TelemetryStore {
  readonly kind = 'memory' as const;
  readonly faults: MemoryStoreFaults = { write: undefined, ping: undefined };
  /** Every alert transition recorded, oldest first. */
  readonly alertEvents: RecordedAlertEvent[] = [];
  private readonly devicesById = new Map<string, DeviceEntry>();
  private readonly window: RetentionWindow;
  private readonly recorder = new StatsRecorder();
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.window = new RetentionWindow(options.retentionMs, options.now ?? Date.now);
  }

  appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void {
    this.writable();
    const started = performance.now();
    const cutoff = this.window.cutoff();
    let readings = 0;
    let expired = 0;
    for (const entry of entries) {
      const metrics = Object.keys(entry.values);
      readings += metrics.length;
      const device = this.entry(entry.device);
      // A device sending only expired readings is still alive.
      device.lastSeen = Math.max(device.lastSeen ?? 0, receivedAt);
      if (entry.ts < cutoff) {
        expired += metrics.length;
        continue;
      }
      for (const metric of metrics) {
        const value = entry.values[metric]!;
        let series = device.series.get(metric);
        if (!series) device.series.set(metric, (series = new Series()));
        series.insert(entry.ts, value);
        // A late reading with an older ts goes into history but must not replace a newer latest value.
        const latest = device.latest.get(metric);
        if (!latest || entry.ts >= latest.ts) device.latest.set(metric, { value, ts: entry.ts });
      }
    }
    this.recorder.timed(performance.now() - started);
    this.recorder.readingsWritten += readings - expired;
    this.recorder.droppedOutsideRetention += expired;
  }

  async recordStatus(device: string, status: DeviceStatus, ts: number): Promise<void> {
    this.writable();
    const found = this.entry(device);
    // A retained or delayed status older than the one already known does not replace it.
    if (found.reportedAt === null || ts >= found.reportedAt) {
      found.reported = status;
      found.reportedAt = ts;
    }
  }

  recordAlertEvent(alert: Alert, event: AlertEventKind, ts: number): void {
    this.alertEvents.push({ alert, event, ts });
  }

  async devices(): Promise<DeviceRecord[]> {
    return [...this.devicesById.keys()].sort(byteOrder).map((id) => toRecord(id, this.devicesById.get(id)!));
  }

  async device(id: string): Promise<DeviceRecord | undefined> {
    const found = this.devicesById.get(id);
    return found ? toRecord(id, found) : undefined;
  }

  async history(query: HistoryQuery): Promise<HistorySeries> {
    const from = this.window.clampFrom(query.from);
    const out: Record<string, Bucket[]> = Object.create(null) as Record<string, Bucket[]>;
    const device = this.devicesById.get(query.device);
    for (const metric of this.metricsOf(query.device, query.metrics)) {
      const series = device?.series.get(metric);
      out[metric] = series && from <= query.to ? buckets(series, from, query.to, query.step) : [];
    }
    return out;
  }

  async *exportRaw(query: RawQuery): AsyncIterable<Reading> {
    const device = query.device;
    const metrics = [...new Set(this.metricsOf(device, query.metrics))].sort(byteOrder);
    const to = query.to;
    // One cursor per metric, by the last ts it gave (undefined: none yet), like SQLite's pages,
    // so readings written while an export runs do not shift it; merged by (ts, metric).
    const from = this.window.clampFrom(query.from);
    const after: (number | undefined)[] = metrics.map(() => undefined);
    let sent = 0;
    for (;;) {
      let best = -1;
      let bestTs = 0;
      let bestValue = 0;
      for (let i = 0; i < metrics.length; i++) {
        const series = this.devicesById.get(device)?.series.get(metrics[i]!);
        if (!series) continue;
        const last = after[i];
        const at = last === undefined ? series.lowerBound(from) : series.upperBound(last);
        const ts = series.ts[at];
        if (ts === undefined || ts > to) continue;
        // Ties in ts go to the smaller metric name: metrics are sorted and only a smaller ts wins.
        if (best === -1 || ts < bestTs) {
          best = i;
          bestTs = ts;
          bestValue = series.values[at]!;
        }
      }
      if (best === -1) return;
      after[best] = bestTs;
      yield { device, metric: metrics[best]!, ts: bestTs, value: bestValue };
      // Between pages the event loop turns, as it does for the other stores.
      if (++sent % EXPORT_PAGE === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    if (this.faults.ping) throw this.faults.ping;
  }

  /** Writes are readable when they return: nothing is ever pending. */
  async flush(): Promise<void> {}

  /** Answers from the readings themselves: nothing to catch up. */
  async rollupNow(): Promise<void> {}

  stats(): StoreStats {
    return this.recorder.snapshot();
  }

  /** Deletes readings older than the retention window (queries already leave them out). */
  prune(): number {
    const cutoff = this.window.cutoff();
    let removed = 0;
    for (const device of this.devicesById.values()) for (const series of device.series.values()) removed += series.trim(cutoff);
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private writable(): void {
    if (this.closed) throw new Error('the store is closed');
    if (this.faults.write) throw this.faults.write;
  }

  private entry(id: string): DeviceEntry {
    let found = this.devicesById.get(id);
    if (!found) {
      found = { reported: null, reportedAt: null, lastSeen: null, latest: new Map(), series: new Map() };
      this.devicesById.set(id, found);
    }
    return found;
  }

  /** The metrics asked for, or every metric the device has a latest value for, in byte order. */
  private metricsOf(device: string, wanted: readonly string[] | undefined): string[] {
    if (wanted?.length) return [...wanted];
    return [...(this.devicesById.get(device)?.latest.keys() ?? [])].sort(byteOrder);
  }
}

/** Buckets at multiples of step since the epoch, mean = sum / count, empty buckets left out. */
function buckets(series: Series, from: number, to: number, step: number): Bucket[] {
  const out: Bucket[] = [];
  let key = Number.NaN;
  let sum = 0;
  let n = 0;
  let lo = 0;
  let hi = 0;
  for (let i = series.lowerBound(from); i < series.ts.length && series.ts[i]! <= to; i++) {
    const ts = series.ts[i]!;
    const value = series.values[i]!;
    const bucket = ts - (ts % step);
    if (bucket !== key) {
      if (n > 0) out.push([key, sum / n, lo, hi]);
      key = bucket;
      sum = value;
      n = 1;
      lo = value;
      hi = value;
    } else {
      sum += value;
      n++;
      lo = Math.min(lo, value);
      hi = Math.max(hi, value);
    }
  }
  if (n > 0) out.push([key, sum / n, lo, hi]);
  return out;
}

function toRecord(id: string, entry: DeviceEntry): DeviceRecord {
  const values = Object.create(null) as Record<string, LatestValue>;
  for (const metric of [...entry.latest.keys()].sort(byteOrder)) values[metric] = entry.latest.get(metric)!;
  return { id, reported: entry.reported, reportedAt: entry.reportedAt, lastSeen: entry.lastSeen, values };
}
