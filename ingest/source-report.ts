/**
 * What this ingest tells the API about its device sources (bus/sources.ts): the router's
 * counters, and its unmatched topics in turns, since 200 payloads of 1 KiB do not fit one
 * message. Each report carries the topics seen again since they were last sent first, then those
 * sent longest ago, so every topic reaches an API that started late within a few reports.
 */
import { fitSources, type SourcesSnapshot, type UnmatchedReport } from '../bus/sources.ts';
import type { SourceRouter, UnmatchedTopic } from '../sources/router.ts';
import type { SourceSet } from './sources.ts';

/** The newest unmatched topics reported; the router remembers more. */
export const REPORTED_UNMATCHED = 200;

interface Sent {
  lastSeen: number;
  sentAt: number;
  suggested: string | null;
}

export class SourceReporter {
  /** Set once a second ingest instance was heard while this one reads without a shared subscription. */
  duplicateConsumer = false;
  private readonly sent = new Map<string, Sent>();

  constructor(
    private readonly instance: string,
    private readonly router: SourceRouter,
    private readonly set: SourceSet,
  ) {}

  snapshot(now = Date.now()): SourcesSnapshot {
    const sources = this.router.sources.map((s) => {
      const c = this.router.counters.get(s.name)!;
      return {
        name: s.name,
        kind: this.set.kinds.get(s.name) ?? 'custom',
        topics: this.router.topics(s.name),
        counters: { ...c, rejected: { ...c.rejected } },
      };
    });
    const newest = this.router.unmatched().slice(0, REPORTED_UNMATCHED);
    const { snapshot, sent } = fitSources({
      instance: this.instance,
      at: now,
      duplicateConsumer: this.duplicateConsumer,
      sources,
      unmatched: this.inTurn(newest).map((u) => this.report(u)),
    });
    for (const topic of sent) {
      const entry = this.sent.get(topic);
      if (entry) entry.sentAt = now;
    }
    // Forget what the router forgot, so this map stays as bounded as its list.
    const kept = new Set(newest.map((u) => u.topic));
    for (const topic of this.sent.keys()) if (!kept.has(topic)) this.sent.delete(topic);
    return snapshot;
  }

  /** Changed since last sent (newest first), then the rest, longest unsent first. */
  private inTurn(newest: readonly UnmatchedTopic[]): UnmatchedTopic[] {
    const changed = newest.filter((u) => this.sent.get(u.topic)?.lastSeen !== u.lastSeen);
    const rest = newest
      .filter((u) => this.sent.get(u.topic)?.lastSeen === u.lastSeen)
      .sort((a, b) => this.sent.get(a.topic)!.sentAt - this.sent.get(b.topic)!.sentAt);
    return [...changed, ...rest];
  }

  private report(u: UnmatchedTopic): UnmatchedReport {
    let entry = this.sent.get(u.topic);
    if (!entry || entry.lastSeen !== u.lastSeen) {
      // A suggestion is worked out once per new payload, not on every report.
      const suggested = this.set.suggest?.(u.topic, Buffer.from(u.payload)) ?? null;
      entry = { lastSeen: u.lastSeen, sentAt: entry?.sentAt ?? 0, suggested };
      this.sent.set(u.topic, entry);
    }
    return { topic: u.topic, count: u.count, firstSeen: u.firstSeen, lastSeen: u.lastSeen, payload: u.payload, suggested: entry.suggested };
  }
}
