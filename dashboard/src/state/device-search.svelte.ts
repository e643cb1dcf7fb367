import { ApiError, api } from '../lib/api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { LiveStream } from './live.svelte.ts';

/** The API's cap on one page of GET /api/devices. */
export const SEARCH_LIMIT = 10_000;
const DEBOUNCE_MS = 200;

/**
 * The overview's search and label filter, answered by GET /api/devices?q=&label= (the server
 * knows names and labels, and matches them the same way for every client). Only the set of
 * matching ids comes from here: the cards themselves stay the live Devices state, so readings
 * and status changes keep applying to what is shown.
 */
export class DeviceSearch {
  /** The matching ids, or null while no search or label filter is set. */
  ids = $state.raw<ReadonlySet<string> | null>(null);
  pending = $state(false);
  error = $state<string | null>(null);

  readonly #stream: LiveStream;
  #key = '';
  #q = '';
  #labels: readonly string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | null = null;
  #failures = 0;
  #stopResync: (() => void) | null = null;

  constructor(stream: LiveStream) {
    this.#stream = stream;
  }

  /** Follows the overview's filter; the returned function stops it. */
  start(): () => void {
    // After an outage a renamed or relabelled device may match differently now.
    this.#stopResync = this.#stream.onResync(() => this.#schedule(0));
    const stopDevice = this.#stream.on('device', (event) => {
      if (event.name !== undefined || event.labels !== undefined || event.units !== undefined) this.refresh();
    });
    return () => {
      this.#stopResync?.();
      stopDevice();
      clearTimeout(this.#timer);
      this.#abort?.abort();
    };
  }

  set(q: string, labels: readonly string[]): void {
    const key = JSON.stringify([q.trim(), labels]);
    if (key === this.#key) return;
    this.#key = key;
    this.#q = q.trim();
    this.#labels = labels;
    this.#failures = 0;
    if (this.#q === '' && labels.length === 0) {
      clearTimeout(this.#timer);
      this.#abort?.abort();
      this.ids = null;
      this.pending = false;
      this.error = null;
      return;
    }
    this.pending = true;
    this.#schedule(DEBOUNCE_MS);
  }

  /** A device was renamed or relabelled: what matches may have changed. */
  refresh(): void {
    if (this.ids !== null) this.#schedule(DEBOUNCE_MS);
  }

  #schedule(delay: number): void {
    if (this.#q === '' && this.#labels.length === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#fetch(), delay);
  }

  async #fetch(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const key = this.#key;
    try {
      const views = await api.searchDevices({ q: this.#q, labels: this.#labels, limit: SEARCH_LIMIT }, abort.signal);
      if (key !== this.#key) return;
      this.ids = new Set(views.map((v) => v.id));
      this.error = null;
      this.pending = false;
      this.#failures = 0;
    } catch (err) {
      if (abort.signal.aborted || key !== this.#key) return;
      this.error = err instanceof Error ? err.message : String(err);
      // A refused filter (a bad label key) stays refused until it is edited.
      if (err instanceof ApiError && err.status === 400) this.pending = false;
      else this.#schedule(backoffDelay(this.#failures++));
    }
  }
}
