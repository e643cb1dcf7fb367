/**
 * Routes each message to the first enabled source that claims its topic, counts per source what
 * came of it, and remembers (bounded) the topics no source took, for /api/sources/unmatched.
 */
import type { RejectReason } from '../domain/reading.ts';
import { FirstLevelIndex } from './first-level.ts';
import type { Decoded, Source, SourceMessage } from './types.ts';

export interface SourceCounters {
  /** Messages the source claimed. */
  matched: number;
  /** Readings (device, metric, ts) it produced that were handed to the store. */
  points: number;
  skippedFields: number;
  tsFallbacks: number;
  /** Claimed and deliberately not stored (retained replays, bridge chatter). */
  ignored: number;
  rejected: Partial<Record<RejectReason, number>>;
}

export interface UnmatchedTopic {
  readonly topic: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The last payload, cut to UNMATCHED_PAYLOAD_LIMIT bytes and decoded leniently. */
  payload: string;
}

export const UNMATCHED_PAYLOAD_LIMIT = 1024;
/** Topics remembered; the least recently seen goes first. */
export const UNMATCHED_TOPICS_LIMIT = 500;
/** Filters sources may add at run time (discovery naming state topics), all sources together. */
export const ADDED_FILTERS_LIMIT = 2_000;

export type Routed = { readonly source: string; readonly decoded: Decoded } | { readonly source: null };

const lenient = new TextDecoder('utf-8', { fatal: false });

export class SourceRouter {
  readonly counters = new Map<string, SourceCounters>();
  /** Insertion order is recency: a topic seen again moves to the end. */
  private readonly unmatchedTopics = new Map<string, UnmatchedTopic>();
  /** Filters a `configured` outcome asked for, by source. */
  private readonly added = new Map<string, Set<string>>();
  private addedCount = 0;
  /** filters(), kept until a source adds some: DISCOVER_TOPICS asks for every message. */
  private allFilters: string[] | undefined;

  private readonly index: FirstLevelIndex;

  constructor(readonly sources: readonly Source[]) {
    for (const source of sources)
      this.counters.set(source.name, { matched: 0, points: 0, skippedFields: 0, tsFallbacks: 0, ignored: 0, rejected: {} });
    this.index = new FirstLevelIndex(sources);
  }

  /** Every MQTT filter the enabled sources need, those added at run time included. */
  filters(): readonly string[] {
    this.allFilters ??= [...new Set(this.sources.flatMap((s) => this.topics(s.name)))];
    return this.allFilters;
  }

  /** One source's filters: its own, then those it added. */
  topics(name: string): string[] {
    const own = this.sources.find((s) => s.name === name)?.filters ?? [];
    return [...own, ...(this.added.get(name) ?? [])];
  }

  /**
   * Filters a source asked for at run time; returns those not already subscribed, so the caller
   * subscribes to each once. Bounded: past ADDED_FILTERS_LIMIT a request adds nothing.
   */
  addFilters(name: string, filters: readonly string[]): string[] {
    const known = new Set(this.filters());
    let mine = this.added.get(name);
    if (!mine) this.added.set(name, (mine = new Set()));
    const fresh: string[] = [];
    for (const filter of filters) {
      if (known.has(filter) || this.addedCount >= ADDED_FILTERS_LIMIT) continue;
      known.add(filter);
      mine.add(filter);
      this.addedCount++;
      fresh.push(filter);
    }
    if (fresh.length > 0) this.allFilters = undefined;
    return fresh;
  }

  route(message: SourceMessage): Routed {
    for (const source of this.index.candidates(message.topic)) {
      const decoded = source.decode(message);
      if (decoded === undefined) continue;
      this.count(source.name, decoded);
      return { source: source.name, decoded };
    }
    this.noteUnmatched(message);
    return { source: null };
  }

  unmatched(): UnmatchedTopic[] {
    return [...this.unmatchedTopics.values()].reverse();
  }

  private count(name: string, decoded: Decoded): void {
    const c = this.counters.get(name)!;
    c.matched++;
    if (decoded.kind === 'readings') {
      for (const entry of decoded.entries) for (const _ in entry.values) c.points++;
      c.skippedFields += decoded.skippedFields;
      c.tsFallbacks += decoded.tsFallbacks;
    } else if (decoded.kind === 'ignored') {
      c.ignored++;
    } else if (decoded.kind === 'rejected') {
      c.rejected[decoded.reason] = (c.rejected[decoded.reason] ?? 0) + 1;
    }
  }

  /** Also for messages only heard to list topics (DISCOVER_TOPICS), which are never routed. */
  noteUnmatched(message: SourceMessage): void {
    const payload = lenient.decode(message.payload.subarray(0, UNMATCHED_PAYLOAD_LIMIT));
    const known = this.unmatchedTopics.get(message.topic);
    if (known) {
      this.unmatchedTopics.delete(message.topic);
      known.count++;
      known.lastSeen = message.receivedAt;
      known.payload = payload;
      this.unmatchedTopics.set(message.topic, known);
      return;
    }
    if (this.unmatchedTopics.size >= UNMATCHED_TOPICS_LIMIT) {
      const oldest = this.unmatchedTopics.keys().next().value;
      if (oldest !== undefined) this.unmatchedTopics.delete(oldest);
    }
    this.unmatchedTopics.set(message.topic, {
      topic: message.topic,
      count: 1,
      firstSeen: message.receivedAt,
      lastSeen: message.receivedAt,
      payload,
    });
  }
}
