import { ApiError, api, type ReadingEvent } from '../lib/api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { apiTimes, type ChartRange, rangeSpan } from '../lib/chart-range.ts';
import { RANGES, type RangeKey } from '../lib/routes.ts';
import { SeriesWindow } from '../lib/series.ts';
import { historyPrefetch } from './history-prefetch.ts';
import type { LiveStream } from './live.svelte.ts';

export type HistoryStatus = 'loading' | 'ready' | 'missing' | 'error';

/** How long after a history answer a live reading might still be one it already held. */
const SETTLE_MS = 3_000;

/**
 * One device's charts over a range: history from the API, then live readings from the shared
 * stream folded into the same buckets. SeriesWindow is plain mutable data, so `version` is what
 * tells the charts to redraw.
 */
export class DeviceHistory {
  status = $state<HistoryStatus>('loading');
  error = $state<string | null>(null);
  metrics = $state<string[]>([]);
  version = $state(0);

  readonly device: string;
  readonly range: ChartRange;
  readonly rangeMs: number;
  /** A fixed window (custom range, zoom, alert link): no sliding, live readings outside it left out. */
  readonly fixed: { readonly from: number; readonly to: number } | null;
  readonly #stream: LiveStream;
  /** Buckets to ask for: about one per pixel of chart width. */
  readonly #points: number;
  /** What the charts show. */
  #windows = new Map<string, SeriesWindow>();
  /** Filled while a (re)fetch is out: live readings wait here for the history they may overlap. */
  #incoming: Map<string, SeriesWindow> | null = null;
  #hasHistory = false;
  /** The first load may take the entry chunk's request in flight (state/history-prefetch.ts). */
  #mayTakePrefetch = true;
  /** That request was sent before the stream was open: asked again once it has settled. */
  #recheck = false;
  #step = 1;
  #to = 0;

  constructor(stream: LiveStream, device: string, range: RangeKey | ChartRange, points: number) {
    this.#stream = stream;
    this.device = device;
    this.range = typeof range === 'string' ? { kind: 'last', key: range, ms: RANGES[range] } : range;
    this.rangeMs = rangeSpan(this.range);
    this.fixed = this.range.kind === 'fixed' ? { from: this.range.from, to: this.range.to } : null;
    this.#points = points;
  }

  series(metric: string): SeriesWindow | undefined {
    return this.#windows.get(metric);
  }

  start(): () => void {
    let controller = new AbortController();
    let settle: ReturnType<typeof setTimeout> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const load = () => {
      controller.abort();
      clearTimeout(settle);
      clearTimeout(retry);
      controller = new AbortController();
      const signal = controller.signal;
      void this.#load(signal).then((ok) => {
        if (ok) {
          failures = 0;
          settle = setTimeout(() => {
            const again = this.#settle() || this.#recheck;
            this.#recheck = false;
            if (again) load();
          }, SETTLE_MS);
        } else if (!signal.aborted && this.status === 'error') {
          // A failed answer is never kept: asked again with backoff, and at once on reconnecting.
          retry = setTimeout(load, backoffDelay(failures++));
        }
      });
    };
    const stops = [this.#stream.on('reading', (reading) => this.#onReading(reading)), this.#stream.onResync(load)];
    load();
    return () => {
      controller.abort();
      clearTimeout(settle);
      clearTimeout(retry);
      for (const stop of stops) stop();
    };
  }

  #onReading(reading: ReadingEvent): void {
    if (reading.device !== this.device) return;
    if (this.fixed && (reading.ts < this.fixed.from || reading.ts > this.fixed.to)) return;
    for (const [metric, value] of Object.entries(reading.values)) {
      if (this.#incoming) windowIn(this.#incoming, metric).add(reading.ts, value);
      if (this.#hasHistory) this.#shown(metric).add(reading.ts, value);
    }
    this.#trim(Date.now());
    this.version++;
  }

  /** Ends the doubt about which live readings the history held; true if it must be fetched again. */
  #settle(): boolean {
    let suspect = false;
    for (const window of this.#windows.values()) {
      suspect ||= window.suspect;
      window.settle();
    }
    return suspect;
  }

  /** Fetches the range; the charts keep showing (and extending) the previous answer meanwhile. */
  async #load(signal: AbortSignal): Promise<boolean> {
    const incoming = new Map<string, SeriesWindow>();
    this.#incoming = incoming;
    const prefetched = this.#mayTakePrefetch
      ? historyPrefetch.take({ device: this.device, range: this.range, points: this.#points })
      : null;
    this.#mayTakePrefetch = false;
    this.#recheck = prefetched !== null && !prefetched.covered;
    // The readings that came while it was out, as if this had been listening since it was sent.
    for (const reading of prefetched?.readings ?? []) this.#onReading(reading);
    try {
      const history = await (prefetched?.answer ?? api.history(this.device, { ...apiTimes(this.range), points: this.#points }, signal));
      if (signal.aborted) return false;
      for (const metric of Object.keys(history.series)) windowIn(incoming, metric);
      for (const [metric, window] of incoming) window.setHistory(history.series[metric] ?? [], history.step, history.to);
      this.#windows = incoming;
      this.#incoming = null;
      this.#hasHistory = true;
      this.#step = history.step;
      this.#to = history.to;
      this.#trim(Date.now());
      this.metrics = [...incoming.keys()].sort();
      this.status = 'ready';
      this.error = null;
      this.version++;
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      this.#incoming = null;
      this.status = err instanceof ApiError && err.status === 404 ? 'missing' : 'error';
      this.error = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** A shown window; a metric first seen live, after history came in, starts empty. */
  #shown(metric: string): SeriesWindow {
    let window = this.#windows.get(metric);
    if (!window) {
      window = windowIn(this.#windows, metric);
      window.setHistory([], this.#step, this.#to);
      this.metrics = [...this.#windows.keys()].sort();
    }
    return window;
  }

  #trim(now: number): void {
    const from = this.fixed ? this.fixed.from : now - this.rangeMs;
    for (const window of this.#windows.values()) window.trim(from);
  }
}

function windowIn(windows: Map<string, SeriesWindow>, metric: string): SeriesWindow {
  let window = windows.get(metric);
  if (!window) windows.set(metric, (window = new SeriesWindow()));
  return window;
}
