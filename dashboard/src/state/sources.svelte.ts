import { api, type RejectedMessage, type SourceInfo, type UnmatchedTopic } from '../lib/api.ts';

/** How often the Sources page refreshes: ingest reports its sources every 2 s. */
export const SOURCES_POLL_MS = 3_000;
/** The fleet-wide rejected list keeps this many (the API's maximum). */
export const REJECTED_LIMIT = 1_000;

/**
 * The Sources page's data: the device sources with their counters, the topics no source took,
 * and the fleet's recent rejected messages. None of it is on the stream, so it is polled while
 * the page is open (and fetched at once on Refresh).
 */
export class SourcesState {
  sources = $state.raw<SourceInfo[] | null>(null);
  unmatched = $state.raw<UnmatchedTopic[] | null>(null);
  rejected = $state.raw<RejectedMessage[] | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  #abort: AbortController | null = null;

  start(): () => void {
    void this.load();
    const timer = setInterval(() => void this.load(), SOURCES_POLL_MS);
    return () => {
      clearInterval(timer);
      this.#abort?.abort();
    };
  }

  async load(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.busy = true;
    try {
      const [sources, unmatched, rejected] = await Promise.all([
        api.sources(abort.signal),
        api.unmatched(abort.signal),
        api.rejected(undefined, REJECTED_LIMIT, abort.signal),
      ]);
      this.sources = sources;
      this.unmatched = [...unmatched].sort((a, b) => b.lastSeen - a.lastSeen);
      this.rejected = rejected;
      this.error = null;
    } catch (err) {
      if (!abort.signal.aborted) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      if (this.#abort === abort) this.busy = false;
    }
  }
}
