import { ApiError, api, MAX_DEVICE_PAGE, type DeviceState, type DeviceView } from '../lib/api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { matchesLocally, moveCount, OVERVIEW_PAGE, type ListFilter, type StatusCounts } from '../lib/overview.ts';
import type { DeviceChange, Devices } from './devices.svelte.ts';
import type { LiveStream } from './live.svelte.ts';

const TYPING_MS = 200;
/** After a change the stream brought: one refetch for a burst of them, however long the burst lasts. */
const CHANGE_MS = 300;
/**
 * ...and at least this many times the last refetch's duration: each request reads the whole fleet
 * on the server (about 50 ms for 10,000 devices, docs/storage.md), so a large fleet whose devices
 * change state all the time is refetched less often, while the page still shows or hides at once.
 */
const CHANGE_COST_FACTOR = 10;
const STATES: readonly DeviceState[] = ['online', 'stale', 'offline'];

interface Fetched {
  readonly views: DeviceView[];
  readonly total: number;
  readonly counts: StatusCounts;
  readonly fleet: number;
}

/**
 * The overview's list, answered by GET /api/devices?q=&label=&status=&limit=&offset=: the server
 * filters, pages and counts the whole fleet (X-Total-Count), so the chips and the header say how
 * many devices there are, not how many this page loaded. The cards themselves are the live
 * Devices state (the fetched views are folded into it), so readings keep applying to what is
 * shown. A reading refetches nothing; a device first heard of or changing state refetches once
 * per burst (the counts moved, and it may enter the filter), and shows or hides at once.
 */
export class OverviewList {
  /** The server's ids for the loaded pages, in its order. */
  ids = $state.raw<readonly string[]>([]);
  /** Devices the stream moved into the filter since the last fetch began. */
  entered = $state.raw<readonly string[]>([]);
  /** How many devices match the filter, status included; null before the first answer. */
  total = $state<number | null>(null);
  /** Per chip, with the search and label filter applied. */
  counts = $state.raw<StatusCounts | null>(null);
  /** The whole fleet, unfiltered. */
  fleet = $state<number | null>(null);
  loaded = $state(false);
  pending = $state(false);
  loadingMore = $state(false);
  error = $state<string | null>(null);

  readonly #stream: LiveStream;
  readonly #devices: Devices;
  #filter: ListFilter = { q: '', labels: [], status: 'all' };
  #key: string | null = null;
  /** How many devices the list keeps loaded: one page, plus each "Load more". */
  #wanted = OVERVIEW_PAGE;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort = new AbortController();
  #seq = 0;
  #applied = 0;
  #failures = 0;
  #lastCost = 0;
  readonly #enteredAt = new Map<string, number>();

  constructor(stream: LiveStream, devices: Devices) {
    this.#stream = stream;
    this.#devices = devices;
  }

  /** Every match is loaded (no "Load more"). */
  get complete(): boolean {
    return this.total !== null && this.ids.length >= this.total;
  }

  /**
   * Follows the stream; the returned function stops it and keeps what was loaded, so the overview
   * opened again shows it at once while it asks again.
   */
  start(): () => void {
    this.#abort = new AbortController();
    if (this.#key !== null) this.#schedule(0);
    const stops = [
      // After an outage states, names and labels may all have moved.
      this.#stream.onResync(() => this.#schedule(0)),
      this.#devices.onChange((change) => this.#changed(change)),
      // A renamed or relabelled device may match differently now.
      this.#stream.on('device', (e) => void (e.name !== undefined || e.labels !== undefined || e.units !== undefined ? this.#soon() : 0)),
    ];
    return () => {
      for (const stop of stops) stop();
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#abort.abort();
      this.loadingMore = false;
    };
  }

  set(filter: ListFilter): void {
    const next = { q: filter.q.trim(), labels: filter.labels, status: filter.status };
    const key = JSON.stringify(next);
    if (key === this.#key) return;
    const typed = this.#key !== null && (next.q !== this.#filter.q || JSON.stringify(next.labels) !== JSON.stringify(this.#filter.labels));
    this.#key = key;
    this.#filter = next;
    this.#wanted = OVERVIEW_PAGE;
    this.#failures = 0;
    this.#enteredAt.clear();
    this.entered = [];
    this.#abort.abort();
    this.#abort = new AbortController();
    this.pending = true;
    this.#schedule(typed ? TYPING_MS : 0);
  }

  /** Signing in can open reads that were closed: ask again now rather than after the backoff. */
  retryNow(): void {
    if (this.error !== null) this.#schedule(0);
  }

  /** The next page of the same filter (GET … &offset=<loaded>). */
  async loadMore(): Promise<void> {
    if (this.loadingMore || this.complete) return;
    this.loadingMore = true;
    const key = this.#key;
    const filter = this.#filter;
    try {
      const page = await api.listDevices({ ...query(filter), limit: OVERVIEW_PAGE, offset: this.ids.length }, this.#abort.signal);
      if (key !== this.#key) return;
      this.#devices.absorb(page.views);
      const have = new Set(this.ids);
      this.ids = [...this.ids, ...page.views.map((v) => v.id).filter((id) => !have.has(id))];
      this.total = page.total;
      this.#wanted = Math.max(this.#wanted, this.ids.length);
      this.error = null;
    } catch (err) {
      if (key === this.#key && !this.#abort.signal.aborted) this.error = message(err);
    } finally {
      this.loadingMore = false;
    }
  }

  #changed(change: DeviceChange): void {
    const item = this.#devices.get(change.id);
    const status = this.#filter.status;
    // A known device changing state moves between the chips now; the refetch below confirms it.
    if (change.kind === 'status' && item && this.counts && this.total !== null && matchesLocally(item, this.#filter)) {
      ({ counts: this.counts, total: this.total } = moveCount(this.counts, this.total, status, change.from, change.to));
    }
    const into = change.kind === 'new' ? status === 'all' || item?.status === status : status !== 'all' && change.to === status;
    if (item && into && this.#inLoadedRange(change.id) && matchesLocally(item, this.#filter)) {
      this.#enteredAt.set(change.id, Date.now());
      this.entered = [...this.#enteredAt.keys()];
    }
    this.#soon();
  }

  /**
   * Past the loaded pages a device belongs to a page not asked for yet. The server orders ids as
   * strings. Before the first answer nothing is loaded, and that answer may predate the device:
   * it enters, or it would be hidden until the refetch after it.
   */
  #inLoadedRange(id: string): boolean {
    if (this.total === null || this.complete) return true;
    const last = this.ids.at(-1);
    return last !== undefined && id < last;
  }

  /** A refetch for a burst of changes: a timer already set is not pushed back. */
  #soon(): void {
    if (this.#timer === undefined && this.#key !== null) this.#schedule(Math.max(CHANGE_MS, CHANGE_COST_FACTOR * this.#lastCost));
  }

  #schedule(delay: number): void {
    if (this.#key === null) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#fetch();
    }, delay);
  }

  async #fetch(): Promise<void> {
    const seq = ++this.#seq;
    const key = this.#key;
    const filter = this.#filter;
    const signal = this.#abort.signal;
    const startedAt = Date.now();
    const wanted = this.#wanted;
    try {
      const got = await fetchList(filter, wanted, signal);
      // An older answer that arrived late must not undo a newer one.
      if (key !== this.#key || seq < this.#applied) return;
      // "Load more" finished meanwhile: this answer has fewer than are shown now; ask again.
      if (this.#wanted > wanted) return this.#schedule(0);
      this.#lastCost = Date.now() - startedAt;
      this.#applied = seq;
      this.#devices.absorb(got.views);
      this.ids = got.views.map((v) => v.id);
      this.total = got.total;
      this.counts = got.counts;
      this.fleet = got.fleet;
      for (const [id, at] of this.#enteredAt) if (at < startedAt) this.#enteredAt.delete(id);
      this.entered = [...this.#enteredAt.keys()];
      this.loaded = true;
      this.pending = false;
      this.error = null;
      this.#failures = 0;
    } catch (err) {
      if (signal.aborted || key !== this.#key) return;
      this.error = message(err);
      // A refused filter (a bad label key) stays refused until it is edited.
      if (err instanceof ApiError && err.status === 400) this.pending = false;
      else this.#schedule(backoffDelay(this.#failures++));
    }
  }
}

function query(filter: ListFilter) {
  return { q: filter.q, labels: filter.labels, status: filter.status === 'all' ? undefined : filter.status };
}

/** The loaded pages (in the API's largest pages) and every count, in parallel. */
async function fetchList(filter: ListFilter, wanted: number, signal: AbortSignal): Promise<Fetched> {
  const base = query(filter);
  const pages = async () => {
    const views: DeviceView[] = [];
    let total = 0;
    do {
      const page = await api.listDevices(
        { ...base, limit: Math.min(MAX_DEVICE_PAGE, wanted - views.length), offset: views.length },
        signal,
      );
      views.push(...page.views);
      total = page.total;
      if (page.views.length === 0) break;
    } while (views.length < Math.min(wanted, total));
    return { views, total };
  };
  // The list's own total is its chip's count; the other chips are counted without their views.
  const others = (['all', ...STATES] as const).filter((s) => s !== filter.status);
  const unfiltered = filter.q === '' && filter.labels.length === 0;
  const [list, counted, fleet] = await Promise.all([
    pages(),
    Promise.all(others.map((s) => api.countDevices({ q: filter.q, labels: filter.labels, status: s === 'all' ? undefined : s }, signal))),
    unfiltered ? Promise.resolve(null) : api.countDevices({ q: '', labels: [] }, signal),
  ]);
  const counts = { all: 0, online: 0, stale: 0, offline: 0, [filter.status]: list.total };
  for (const [i, s] of others.entries()) counts[s] = counted[i]!;
  return { ...list, counts, fleet: fleet ?? counts.all };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const lists = new WeakMap<Devices, OverviewList>();

/** The app's one overview list: it outlives the overview page, so coming back needs no "Loading". */
export function overviewList(stream: LiveStream, devices: Devices): OverviewList {
  let list = lists.get(devices);
  if (!list) lists.set(devices, (list = new OverviewList(stream, devices)));
  return list;
}
