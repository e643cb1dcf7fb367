import { api, type History, type HistoryQuery, type ReadingEvent } from '../lib/api.ts';
import { apiTimes, type ChartRange } from '../lib/chart-range.ts';

/**
 * The device page's history, asked for by the entry chunk as soon as the URL names a device
 * page, while the page's chunk (Chart.js with it) is still loading; the page's DeviceHistory
 * takes the request in flight instead of starting its own once the chunk has run (issue 18: the
 * history request used to wait for the chunk, a waterfall of two round trips and the chunk's
 * evaluation before the first chart).
 *
 * Live readings of the device that arrive meanwhile are kept with it, so the page sees every
 * reading from the moment the request was sent, as if it had subscribed itself then.
 */

/** What the page's first history request would be; compared to decide whether the prefetch is it. */
export interface PrefetchKey {
  readonly device: string;
  readonly range: ChartRange;
  /** Buckets asked for: about one per pixel of the charts' width. */
  readonly points: number;
}

export interface Prefetched {
  readonly answer: Promise<History>;
  /**
   * The live stream was open when the request was sent, so every reading stored after the query
   * ran reaches the page. When it was not, readings stored between the query and the stream's
   * start may be in neither: the page asks again once the answer has settled.
   */
  readonly covered: boolean;
  /** The device's live readings since the request was sent, in arrival order. */
  readonly readings: readonly ReadingEvent[];
}

export interface ReadingSource {
  on(type: 'reading', handler: (reading: ReadingEvent) => void): () => void;
  readonly open: boolean;
}

type HistoryFetch = (device: string, q: HistoryQuery) => Promise<History>;

/** The page measures its width itself; an estimate within this share of it is taken as the same request. */
const POINTS_TOLERANCE = 0.1;
/** A prefetch the page has not taken by then (it never mounted, the route changed) is dropped. */
const UNCLAIMED_MS = 15_000;

interface Held extends Prefetched {
  readonly key: PrefetchKey;
  readonly stop: () => void;
}

export class HistoryPrefetch {
  #held: Held | null = null;
  readonly #fetch: HistoryFetch;

  constructor(fetch: HistoryFetch = (device, q) => api.history(device, q)) {
    this.#fetch = fetch;
  }

  /** Sends the request now and keeps the device's readings until the page takes it. */
  start(source: ReadingSource, key: PrefetchKey): void {
    this.#held?.stop();
    const readings: ReadingEvent[] = [];
    const unsubscribe = source.on('reading', (reading) => {
      if (reading.device === key.device) readings.push(reading);
    });
    const covered = source.open;
    const answer = this.#fetch(key.device, { ...apiTimes(key.range), points: key.points });
    // A failure is the page's to handle once it takes the request; until then it is not unhandled.
    answer.catch(() => undefined);
    const expiry = setTimeout(() => this.#drop(), UNCLAIMED_MS);
    const held: Held = {
      key,
      answer,
      covered,
      readings,
      stop: () => {
        unsubscribe();
        clearTimeout(expiry);
      },
    };
    this.#held = held;
  }

  /** The request in flight if it is the one `key` describes (once: later loads are the page's own). */
  take(key: PrefetchKey): Prefetched | null {
    const held = this.#held;
    this.#drop();
    if (!held || !sameRequest(held.key, key)) return null;
    return { answer: held.answer, covered: held.covered, readings: held.readings };
  }

  #drop(): void {
    this.#held?.stop();
    this.#held = null;
  }
}

function sameRequest(a: PrefetchKey, b: PrefetchKey): boolean {
  const times = (k: PrefetchKey) => JSON.stringify(apiTimes(k.range));
  return a.device === b.device && times(a) === times(b) && Math.abs(a.points - b.points) <= POINTS_TOLERANCE * b.points;
}

/** The page's one prefetch. */
export const historyPrefetch = new HistoryPrefetch();

/**
 * The device page's chart width before the page exists: `main` is at most 80rem wide with 1rem
 * of padding each side (App.svelte), and the charts fill it. The page measures the real width
 * later; a scrollbar or a safe-area inset is well within POINTS_TOLERANCE.
 */
export function estimatedPoints(viewportWidth: number, remPx: number): number {
  return historyPoints(estimatedChartsWidth(viewportWidth, remPx));
}

export function estimatedChartsWidth(viewportWidth: number, remPx: number): number {
  return Math.min(viewportWidth, 80 * remPx) - 2 * remPx;
}

/** The same estimate in this browser now. */
export function chartsWidthNow(): number {
  const remPx = Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return estimatedChartsWidth(document.documentElement.clientWidth, remPx);
}

/** Buckets to ask for over charts `width` px wide: about one per pixel. */
export function historyPoints(width: number): number {
  return Math.min(2000, Math.max(60, Math.round(width)));
}
