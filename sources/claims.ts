/**
 * Whose a topic is, by every enabled source that would take it: what the embedded broker asks
 * before a signed-in device publishes outside its native topics (broker/access.ts, docs/security.md).
 */
import { FirstLevelIndex } from './first-level.ts';
import type { Source, SourceClaim } from './types.ts';

/** Claims on a topic, in configured order; empty when no source takes it. */
export type TopicClaims = (topic: string) => readonly SourceClaim[];

const NONE: readonly SourceClaim[] = [];

/** Each source's MQTT filters by name: what a gateway of it may subscribe to (broker/access.ts). */
export function sourceFilters(sources: readonly Source[]): ReadonlyMap<string, readonly string[]> {
  return new Map(sources.map((s) => [s.name, s.filters]));
}

/** The claims of these sources (built as ingest builds them, so both see the same devices). */
export function topicClaims(sources: readonly Source[]): TopicClaims {
  const index = new FirstLevelIndex(sources);
  return (topic) => {
    let out: SourceClaim[] | undefined;
    for (const source of index.candidates(topic)) {
      const claim = source.claim?.(topic);
      if (claim) (out ??= []).push({ source: source.name, device: claim.device });
    }
    return out ?? NONE;
  };
}
