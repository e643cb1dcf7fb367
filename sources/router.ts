/**
 * Routes each message to the first enabled source that claims its topic, counts per source what
 * came of it, and remembers (bounded) the topics no source took, for /api/sources/unmatched.
 */
import type { RejectReason } from '../domain/reading.ts';
import type { Decoded, Source, SourceMessage } from './types.ts';

export interface SourceCounters {
  /** Messages the source claimed. */
  matched: number;
  /** Readings (device, metric, ts) it produced that were handed to the store. */
  points: number;
  skippedFields: number;
  tsFallbacks: number;
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

export type Routed = { readonly source: string; readonly decoded: Decoded } | { readonly source: null };

const lenient = new TextDecoder('utf-8', { fatal: false });

export class SourceRouter {
  readonly counters = new Map<string, SourceCounters>();
  /** Insertion order is recency: a topic seen again moves to the end. */
  private readonly unmatchedTopics = new Map<string, UnmatchedTopic>();

  constructor(readonly sources: readonly Source[]) {
    for (const source of sources) this.counters.set(source.name, { matched: 0, points: 0, skippedFields: 0, tsFallbacks: 0, rejected: {} });
  }

  /** Every MQTT filter the enabled sources need. */
  filters(): string[] {
    return [...new Set(this.sources.flatMap((s) => s.filters))];
  }

  route(message: SourceMessage): Routed {
    for (const source of this.sources) {
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
      for (const entry of decoded.entries) c.points += Object.keys(entry.values).length;
      c.skippedFields += decoded.skippedFields;
      c.tsFallbacks += decoded.tsFallbacks;
    } else if (decoded.kind === 'rejected') {
      c.rejected[decoded.reason] = (c.rejected[decoded.reason] ?? 0) + 1;
    }
  }

  private noteUnmatched(message: SourceMessage): void {
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
