import type { DeviceEvent, DeviceState, DeviceView, LatestValue, ReadingEvent } from './api.ts';
import { insertPoint, sparkMetrics, type SparkPoint } from './spark.ts';

/** A device as the page holds it: the API's view plus a short live buffer for its sparklines. */
export interface DeviceItem {
  readonly id: string;
  /** The registry's name (operator over discovered), or null: the id is shown then. */
  name: string | null;
  labels: Readonly<Record<string, string>>;
  /** Per metric, e.g. `{ temperature: '°C' }`. */
  units: Readonly<Record<string, string>>;
  status: DeviceState;
  lastSeen: number | null;
  values: Record<string, LatestValue>;
  /** Replaced on every change, never edited in place, so it can live in raw (unproxied) state. */
  spark: Readonly<Record<string, readonly SparkPoint[]>>;
}

/**
 * What a card says: the device's last known state, or `unknown` once the stream has been down
 * longer than STALE_AFTER, since then the page cannot know whether the device went quiet too.
 */
export type ShownStatus = DeviceState | 'unknown';

export function shownStatus(status: DeviceState, downSince: number | null, now: number, staleAfterMs: number): ShownStatus {
  return downSince !== null && now - downSince > staleAfterMs ? 'unknown' : status;
}

export function emptyDevice(id: string): DeviceItem {
  return { id, name: null, labels: {}, units: {}, status: 'stale', lastSeen: null, values: {}, spark: {} };
}

/**
 * Folds a reading in. Readings can arrive out of order (batches, replays, a device's buffered
 * backlog), so a metric's latest value only moves forward in time.
 */
export function applyReading(item: DeviceItem, reading: ReadingEvent, now: number): void {
  for (const [metric, value] of Object.entries(reading.values)) {
    const current = item.values[metric];
    if (!current || reading.ts >= current.ts) item.values[metric] = { value, ts: reading.ts };
  }
  item.lastSeen = now;
  item.status = 'online';
  let spark: Record<string, readonly SparkPoint[]> | null = null;
  for (const metric of sparkMetrics(item.values)) {
    const value = reading.values[metric];
    if (value !== undefined) (spark ??= { ...item.spark })[metric] = insertPoint(item.spark[metric] ?? [], [reading.ts, value]);
  }
  if (spark) item.spark = spark;
}

/** A `device` event may carry the registry entry (after a PUT, or a discovered name or unit). */
export function applyDeviceEvent(item: DeviceItem, event: DeviceEvent): void {
  item.status = event.status;
  applyRegistry(item, event);
}

export function applyRegistry(item: DeviceItem, entry: Partial<Pick<DeviceItem, 'name' | 'labels' | 'units'>>): void {
  if (entry.name !== undefined) item.name = entry.name;
  if (entry.labels !== undefined) item.labels = entry.labels;
  if (entry.units !== undefined) item.units = entry.units;
}

/** A value with its unit, as cards and charts show it. */
export function withUnit(text: string, unit: string | undefined): string {
  return unit && text !== '–' ? `${text} ${unit}` : text;
}

/**
 * Folds a fresh /api/devices entry into what the page already has. The fetch can race live
 * readings, so a value is only replaced by one that is at least as new; the server's status wins.
 */
export function applySnapshot(item: DeviceItem, view: DeviceView): void {
  item.status = view.status;
  applyRegistry(item, view);
  if (view.lastSeen !== null && (item.lastSeen === null || view.lastSeen > item.lastSeen)) item.lastSeen = view.lastSeen;
  for (const [metric, latest] of Object.entries(view.values)) {
    const current = item.values[metric];
    if (!current || latest.ts >= current.ts) item.values[metric] = { value: latest.value, ts: latest.ts };
  }
  let spark: Record<string, readonly SparkPoint[]> | null = null;
  for (const metric of sparkMetrics(item.values)) {
    const latest = item.values[metric]!;
    if (!item.spark[metric]?.length) (spark ??= { ...item.spark })[metric] = [[latest.ts, latest.value]];
  }
  if (spark) item.spark = spark;
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** By id, with numbers in ids compared as numbers (sim-2 before sim-10). */
export function compareIds(a: { readonly id: string }, b: { readonly id: string }): number {
  return collator.compare(a.id, b.id);
}

/** `key=value` lines (the editor's labels box) to a labels object; blank lines are skipped. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `line ${i + 1}: write labels as key=value` };
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { labels };
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

const STATUS_RANK: Record<ShownStatus, number> = { offline: 0, stale: 1, unknown: 2, online: 3 };

/**
 * The overview's orders. "problems": devices with firing alerts first, then offline, stale and
 * online ones; "seen": most recently heard from first. Ties fall back to the id, so the order is
 * stable while values tick.
 */
export function sortDevices<T extends { readonly id: string; readonly status: ShownStatus; readonly lastSeen: number | null }>(
  items: readonly T[],
  sort: 'id' | 'problems' | 'seen',
  firing: (id: string) => number = () => 0,
): T[] {
  const out = items.slice();
  if (sort === 'id') return out.sort(compareIds);
  if (sort === 'seen') return out.sort((a, b) => (b.lastSeen ?? -Infinity) - (a.lastSeen ?? -Infinity) || compareIds(a, b));
  return out.sort(
    (a, b) => Math.sign(firing(b.id)) - Math.sign(firing(a.id)) || STATUS_RANK[a.status] - STATUS_RANK[b.status] || compareIds(a, b),
  );
}
