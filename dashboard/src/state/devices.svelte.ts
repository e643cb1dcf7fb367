import { api, type DeviceState, type DeviceView, type LatestValue } from '../lib/api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import {
  applyDeviceEvent,
  applyReading,
  applySnapshot,
  compareIds,
  shownStatus,
  type DeviceItem,
  type ShownStatus,
} from '../lib/devices.ts';
import { clock } from './clock.svelte.ts';
import type { SparkPoint } from '../lib/spark.ts';
import type { LiveStream } from './live.svelte.ts';

/**
 * One device's reactive state. A class rather than a plain object so Svelte does not deep-proxy
 * it: the sparkline buffers are raw state, swapped whole, instead of a proxy per point.
 */
class LiveDevice implements DeviceItem {
  readonly id: string;
  name = $state<string | null>(null);
  labels = $state.raw<Readonly<Record<string, string>>>({});
  units = $state.raw<Readonly<Record<string, string>>>({});
  status = $state<DeviceState>('stale');
  lastSeen = $state<number | null>(null);
  values = $state<Record<string, LatestValue>>({});
  spark = $state.raw<Readonly<Record<string, readonly SparkPoint[]>>>({});

  constructor(id: string) {
    this.id = id;
  }
}

/** What the stream changed about a device: it was first heard of, or its state moved. */
export type DeviceChange =
  | { readonly kind: 'new'; readonly id: string }
  | { readonly kind: 'status'; readonly id: string; readonly from: DeviceState; readonly to: DeviceState };

/**
 * Every device with its latest values: loaded from /api/devices (the API's largest page), also
 * given the overview's pages (a fleet can be larger than one), then kept current by the stream.
 */
export class Devices {
  #byId = $state<Record<string, LiveDevice>>({});
  /** Sorting depends only on which ids exist, so a reading does not re-sort the list. */
  readonly all = $derived(Object.values(this.#byId).sort(compareIds));
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly #stream: LiveStream;
  readonly #staleAfterMs: () => number;
  #loading: Promise<void> | null = null;
  #again = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #changes = new Set<(change: DeviceChange) => void>();

  /** `staleAfterMs`: the server's STALE_AFTER, learnt from /api/session. */
  constructor(stream: LiveStream, staleAfterMs: () => number = () => 60_000) {
    this.#stream = stream;
    this.#staleAfterMs = staleAfterMs;
  }

  /**
   * Since when every device's state is unknown: the stream has been down longer than STALE_AFTER,
   * so a device may have gone quiet without the page hearing of it. Null otherwise. Reads the
   * ticking clock only during an outage.
   */
  get unknownSince(): number | null {
    const since = this.#stream.downSince;
    if (since === null) return null;
    return shownStatus('online', since, clock.now, this.#staleAfterMs()) === 'unknown' ? since : null;
  }

  /** The state a card shows: the last known one, or `unknown` during a long outage. */
  statusOf(item: DeviceItem): ShownStatus {
    return this.unknownSince === null ? item.status : 'unknown';
  }

  get(id: string): DeviceItem | undefined {
    return this.#byId[id];
  }

  /**
   * Tells `handler` of every device first heard of and every change of state the stream brings,
   * not of readings that change nothing else: the overview refetches its server-side filter then.
   */
  onChange(handler: (change: DeviceChange) => void): () => void {
    this.#changes.add(handler);
    return () => this.#changes.delete(handler);
  }

  /** Views the overview fetched (a page of its own filter): folded in like a fresh list. */
  absorb(views: readonly DeviceView[]): void {
    for (const view of views) applySnapshot(this.#ensure(view.id), view);
  }

  start(): () => void {
    const stops = [
      this.#stream.on('reading', (reading) => this.#live(reading.device, (item) => applyReading(item, reading, Date.now()))),
      this.#stream.on('device', (event) => this.#live(event.device, (item) => applyDeviceEvent(item, event))),
      this.#stream.onResync(() => void this.load()),
    ];
    void this.load();
    return () => {
      for (const stop of stops) stop();
      clearTimeout(this.#retry);
    };
  }

  /** Fetches the list; calls during a fetch are folded into one more fetch after it. */
  load(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        await this.#fetchOnce();
      } while (this.#again);
    })().finally(() => (this.#loading = null));
    return this.#loading;
  }

  async #fetchOnce(): Promise<void> {
    const startedAt = Date.now();
    clearTimeout(this.#retry);
    try {
      const { views, total } = await api.devices();
      const seen = new Set<string>();
      for (const view of views) {
        seen.add(view.id);
        applySnapshot(this.#ensure(view.id), view);
      }
      // Gone from the server (retention) unless the stream brought it after the fetch began. Only
      // a complete list says so: past one page, a missing device is merely on another page.
      if (views.length >= total) {
        for (const item of Object.values(this.#byId)) {
          if (!seen.has(item.id) && (item.lastSeen ?? 0) < startedAt) delete this.#byId[item.id];
        }
      }
      this.loaded = true;
      this.error = null;
      this.#failures = 0;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.#retry = setTimeout(() => void this.load(), backoffDelay(this.#failures++));
    }
  }

  /** Applies a stream event to a device and reports what it changed. */
  #live(id: string, apply: (item: LiveDevice) => void): void {
    const known = this.#byId[id];
    const from = known?.status;
    const item = known ?? this.#ensure(id);
    apply(item);
    const change: DeviceChange | null =
      from === undefined ? { kind: 'new', id } : from !== item.status ? { kind: 'status', id, from, to: item.status } : null;
    if (change) for (const handler of this.#changes) handler(change);
  }

  #ensure(id: string): LiveDevice {
    return (this.#byId[id] ??= new LiveDevice(id));
  }
}
