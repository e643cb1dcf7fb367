/**
 * The device registry: a name, labels and units per device, in two layers. Operators set theirs
 * with PUT /api/devices/:id; device sources report what they discovered (a friendly name, the
 * units of metrics) through noteDiscovered. Shown: the operator's name over the discovered one,
 * the operator's unit per metric over the discovered one, the operator's labels.
 *
 * Every process keeps the whole registry in memory (it is bounded, MAX_REGISTRY_ENTRIES by
 * default) so a discovery that changes nothing costs a map lookup and no write. The SQLite
 * variant (registry-sqlite.ts) keeps it in the file at SQLITE_PATH under both stores, as the
 * alert store does, and picks up other processes' writes with refresh(); MemoryRegistry is the
 * same without a file, for unit tests (both pass tests/unit/store/registry.test.ts).
 */
import {
  type DeviceMeta,
  type DeviceMetaSink,
  type DeviceRegistryEntry,
  EMPTY_REGISTRY_ENTRY,
  MAX_DEVICE_NAME,
  MAX_UNIT,
  MAX_UNITS,
} from '../domain/devices.ts';
import { isDeviceId, isMetricName } from '../domain/reading.ts';

export const MAX_REGISTRY_ENTRIES = 100_000;

type Strings = Readonly<Record<string, string>>;

/** PUT /api/devices/:id: a field left out stays as it is; null clears the operator's value. */
export interface RegistryPatch {
  readonly name?: string | null;
  readonly labels?: Strings | null;
  readonly units?: Strings | null;
}

export interface OperatorLayer {
  readonly name: string | null;
  readonly labels: Strings;
  readonly units: Strings;
}

export interface DiscoveredLayer {
  readonly name: string | null;
  readonly units: Strings;
}

export interface RegistryLayers {
  readonly operator: OperatorLayer;
  readonly discovered: DiscoveredLayer;
}

export interface RegistryStats {
  /** Devices with an entry. */
  entries: number;
  readonly maxEntries: number;
  /** New entries refused because the registry was full (operator or discovered). */
  refused: number;
  /** Entries written (each a change: a discovery that changes nothing writes nothing). */
  writes: number;
  /** Discovered values that could not be written (the error is logged, rate-limited). */
  writeErrors: number;
}

export interface DeviceRegistry extends DeviceMetaSink {
  /** The shown entry of one device, undefined when it has none. */
  entry(id: string): DeviceRegistryEntry | undefined;
  /** Every device with an entry, and its shown entry (a live view: read it, do not keep it). */
  entries(): ReadonlyMap<string, DeviceRegistryEntry>;
  /** Both layers of one device (what PUT changes and what was discovered). */
  layers(id: string): RegistryLayers | undefined;
  /** Applies the operator's patch; undefined when the device is new and the registry is full. */
  setOperator(id: string, patch: RegistryPatch, now?: number): DeviceRegistryEntry | undefined;
  /**
   * Takes in what other processes wrote since the last call, and returns the devices whose shown
   * entry changed since then (this process's own writes included), each once.
   */
  refresh(): string[];
  stats(): RegistryStats;
  close(): void;
}

const EMPTY: Strings = Object.freeze({});
export const EMPTY_LAYERS: RegistryLayers = Object.freeze({
  operator: Object.freeze({ name: null, labels: EMPTY, units: EMPTY }),
  discovered: Object.freeze({ name: null, units: EMPTY }),
});

interface Cached {
  readonly layers: RegistryLayers;
  readonly shown: DeviceRegistryEntry;
}

export function shownEntry({ operator, discovered }: RegistryLayers): DeviceRegistryEntry {
  return Object.freeze({
    name: operator.name ?? discovered.name,
    labels: operator.labels,
    units: Object.freeze({ ...discovered.units, ...operator.units }),
  });
}

function sameStrings(a: Strings, b: Strings): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function sameEntry(a: DeviceRegistryEntry, b: DeviceRegistryEntry): boolean {
  return a.name === b.name && sameStrings(a.labels, b.labels) && sameStrings(a.units, b.units);
}

/**
 * The discovered layer after `meta`, or undefined when it changes nothing. A source's values only
 * add: a name replaces the name, a unit the unit of its metric; what a message leaves out stays.
 * Values outside the registry's limits are dropped (sources report what strangers send).
 */
export function mergeDiscovered(current: DiscoveredLayer, meta: DeviceMeta): DiscoveredLayer | undefined {
  let name = current.name;
  if (meta.name !== undefined) {
    const cut = meta.name.slice(0, MAX_DEVICE_NAME);
    if (cut.trim() !== '') name = cut;
  }
  let units: Record<string, string> | undefined;
  if (meta.units) {
    let count = Object.keys(current.units).length;
    for (const [metric, unit] of Object.entries(meta.units)) {
      if (current.units[metric] === unit) continue;
      if (typeof unit !== 'string' || unit === '' || unit.length > MAX_UNIT || !isMetricName(metric)) continue;
      const isNew = current.units[metric] === undefined;
      if (isNew && count >= MAX_UNITS) continue;
      units ??= { ...current.units };
      units[metric] = unit;
      if (isNew) count++;
    }
  }
  if (name === current.name && units === undefined) return undefined;
  return { name, units: units ? Object.freeze(units) : current.units };
}

export function applyPatch(current: OperatorLayer, patch: RegistryPatch): OperatorLayer {
  const pick = (value: Strings | null | undefined, was: Strings) =>
    value === undefined ? was : value === null ? EMPTY : Object.freeze({ ...value });
  return {
    name: patch.name === undefined ? current.name : patch.name,
    labels: pick(patch.labels, current.labels),
    units: pick(patch.units, current.units),
  };
}

export interface RegistryOptions {
  readonly maxEntries?: number;
}

/**
 * What both variants share: the cache, the layer rules, the bound and the change list. A
 * subclass persists a layer (writeOperator/writeDiscovered return the row as stored, both layers,
 * since another process may have written the other layer) and may feed in others' writes
 * through take().
 */
export abstract class RegistryBase implements DeviceRegistry {
  private readonly cache = new Map<string, Cached>();
  /** The shown entries, kept beside the cache so entries() hands out a view instead of a copy. */
  private readonly shown = new Map<string, DeviceRegistryEntry>();
  private readonly changed = new Set<string>();
  protected readonly counters: RegistryStats;

  constructor(options: RegistryOptions = {}) {
    this.counters = { entries: 0, maxEntries: options.maxEntries ?? MAX_REGISTRY_ENTRIES, refused: 0, writes: 0, writeErrors: 0 };
  }

  protected abstract writeOperator(id: string, layer: OperatorLayer, now: number): RegistryLayers;
  protected abstract writeDiscovered(id: string, layer: DiscoveredLayer, now: number): RegistryLayers;
  /** Called before reads and discoveries: pick up other processes' writes (SQLite). */
  protected sync(): void {}
  /** A discovered value that could not be written. */
  protected abstract reportWriteError(err: unknown): void;

  entry(id: string): DeviceRegistryEntry | undefined {
    this.sync();
    return this.cache.get(id)?.shown;
  }

  entries(): ReadonlyMap<string, DeviceRegistryEntry> {
    this.sync();
    return this.shown;
  }

  layers(id: string): RegistryLayers | undefined {
    this.sync();
    return this.cache.get(id)?.layers;
  }

  setOperator(id: string, patch: RegistryPatch, now = Date.now()): DeviceRegistryEntry | undefined {
    this.sync();
    const current = this.cache.get(id);
    if (!current && !this.hasRoom()) return undefined;
    const stored = this.writeOperator(id, applyPatch((current?.layers ?? EMPTY_LAYERS).operator, patch), now);
    this.counters.writes++;
    return this.take(id, stored);
  }

  noteDiscovered(meta: DeviceMeta): void {
    this.sync();
    if (!isDeviceId(meta.device)) return;
    const current = this.cache.get(meta.device);
    const next = mergeDiscovered((current?.layers ?? EMPTY_LAYERS).discovered, meta);
    if (next === undefined) return;
    if (!current && !this.hasRoom()) return;
    try {
      this.take(meta.device, this.writeDiscovered(meta.device, next, Date.now()));
      this.counters.writes++;
    } catch (err) {
      // Metadata must never fail a message: the reading is stored anyway, the next change retries.
      this.counters.writeErrors++;
      this.reportWriteError(err);
    }
  }

  refresh(): string[] {
    this.sync();
    const out = [...this.changed];
    this.changed.clear();
    return out;
  }

  stats(): RegistryStats {
    return { ...this.counters };
  }

  abstract close(): void;

  /** Puts a stored row in the cache; notes the device as changed when its shown entry did. */
  protected take(id: string, layers: RegistryLayers, quiet = false): DeviceRegistryEntry {
    const before = this.cache.get(id);
    const shown = shownEntry(layers);
    this.cache.set(id, { layers, shown });
    this.shown.set(id, shown);
    this.counters.entries = this.cache.size;
    if (!quiet && !sameEntry(before?.shown ?? EMPTY_REGISTRY_ENTRY, shown)) this.changed.add(id);
    return shown;
  }

  private hasRoom(): boolean {
    if (this.cache.size < this.counters.maxEntries) return true;
    this.counters.refused++;
    return false;
  }
}

/** The registry in memory only: unit tests and the API harness. */
export class MemoryRegistry extends RegistryBase {
  /** Set to make the next discovered write fail (tests of the error path). */
  failWrites = false;
  readonly errors: unknown[] = [];

  protected writeOperator(id: string, operator: OperatorLayer): RegistryLayers {
    return { operator, discovered: (this.layers(id) ?? EMPTY_LAYERS).discovered };
  }

  protected writeDiscovered(id: string, discovered: DiscoveredLayer): RegistryLayers {
    if (this.failWrites) throw new Error('write failed');
    return { operator: (this.layers(id) ?? EMPTY_LAYERS).operator, discovered };
  }

  protected reportWriteError(err: unknown): void {
    this.errors.push(err);
  }

  close(): void {}
}
