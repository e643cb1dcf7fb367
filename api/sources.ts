/**
 * What the ingest tier says about its device sources (vigil/stats/sources, bus/sources.ts), for
 * GET /api/sources, GET /api/sources/unmatched and the vigil_source_* families of /metrics.
 * Counters are summed over the ingest instances heard recently; unmatched topics are merged by
 * topic (counts summed per instance, the newest payload kept), at most UNMATCHED_KEPT of them.
 */
import type { RejectReason } from '../domain/reading.ts';
import type { SourceCountsReport, SourceKindName, SourcesSnapshot, UnmatchedReport } from '../bus/sources.ts';
import { MAX_UNMATCHED } from '../bus/sources.ts';
import { type BusRejections, VIGIL_TOPICS } from '../bus/index.ts';

/** An ingest silent this long (by this process's clock) no longer counts. */
const INSTANCE_TTL_MS = 5 * 60_000;
export const MAX_SOURCE_INSTANCES = 64;
export const UNMATCHED_KEPT = MAX_UNMATCHED;

export interface SourceView {
  readonly name: string;
  readonly kind: SourceKindName;
  readonly topics: readonly string[];
  readonly counters: SourceCountsReport;
}

export type UnmatchedView = UnmatchedReport;

interface MergedTopic {
  readonly topic: string;
  /** Each instance's own count for the topic; their sum is shown. */
  readonly counts: Map<string, number>;
  firstSeen: number;
  lastSeen: number;
  payload: string;
  suggested: string | null;
}

export class SourcesView {
  private readonly instances = new Map<string, { snapshot: SourcesSnapshot; heardAt: number }>();
  private readonly topics = new Map<string, MergedTopic>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly rejections?: BusRejections,
  ) {}

  /** Keeps a snapshot; false when a new instance was refused for room. */
  record(snapshot: SourcesSnapshot): boolean {
    const now = this.now();
    this.expire(now);
    if (!this.instances.has(snapshot.instance) && this.instances.size >= MAX_SOURCE_INSTANCES) {
      this.rejections?.reject(
        VIGIL_TOPICS.sources,
        { ok: false, reason: 'too_many_instances', detail: `already ${MAX_SOURCE_INSTANCES} ingest instances` },
        0,
      );
      return false;
    }
    this.instances.delete(snapshot.instance);
    this.instances.set(snapshot.instance, { snapshot, heardAt: now });
    for (const entry of snapshot.unmatched) this.merge(snapshot.instance, entry);
    return true;
  }

  /** Every source any live instance runs, counters summed; the latest report names kind and topics. */
  sources(): SourceView[] {
    this.expire(this.now());
    const byName = new Map<string, SourceView>();
    // Newest report last, so its kind and topics win.
    for (const { snapshot } of this.instances.values()) {
      for (const s of snapshot.sources) {
        const before = byName.get(s.name);
        byName.set(s.name, {
          name: s.name,
          kind: s.kind,
          topics: s.topics,
          counters: before ? sum(before.counters, s.counters) : s.counters,
        });
      }
    }
    return [...byName.values()];
  }

  /** Topics no source took, newest first. */
  unmatched(): UnmatchedView[] {
    return [...this.topics.values()]
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .map((t) => ({
        topic: t.topic,
        count: [...t.counts.values()].reduce((a, b) => a + b, 0),
        firstSeen: t.firstSeen,
        lastSeen: t.lastSeen,
        payload: t.payload,
        suggested: t.suggested,
      }));
  }

  /** Live instances that hear another ingest while reading without a shared subscription. */
  duplicateConsumers(): number {
    this.expire(this.now());
    let n = 0;
    for (const { snapshot } of this.instances.values()) if (snapshot.duplicateConsumer) n++;
    return n;
  }

  private merge(instance: string, entry: UnmatchedReport): void {
    let known = this.topics.get(entry.topic);
    if (!known) {
      if (this.topics.size >= UNMATCHED_KEPT) this.evictOldest();
      known = { ...entry, counts: new Map() };
      this.topics.set(entry.topic, known);
    }
    known.counts.set(instance, entry.count);
    known.firstSeen = Math.min(known.firstSeen, entry.firstSeen);
    if (entry.lastSeen >= known.lastSeen) {
      known.lastSeen = entry.lastSeen;
      known.payload = entry.payload;
      known.suggested = entry.suggested;
    }
  }

  private evictOldest(): void {
    let oldest: MergedTopic | undefined;
    for (const t of this.topics.values()) if (!oldest || t.lastSeen < oldest.lastSeen) oldest = t;
    if (oldest) this.topics.delete(oldest.topic);
  }

  private expire(now: number): void {
    for (const [instance, { heardAt }] of this.instances) if (heardAt < now - INSTANCE_TTL_MS) this.instances.delete(instance);
  }
}

function sum(a: SourceCountsReport, b: SourceCountsReport): SourceCountsReport {
  const rejected: Partial<Record<RejectReason, number>> = { ...a.rejected };
  for (const [reason, n] of Object.entries(b.rejected) as [RejectReason, number][]) rejected[reason] = (rejected[reason] ?? 0) + n;
  return {
    matched: a.matched + b.matched,
    points: a.points + b.points,
    skippedFields: a.skippedFields + b.skippedFields,
    tsFallbacks: a.tsFallbacks + b.tsFallbacks,
    ignored: a.ignored + b.ignored,
    rejected,
  };
}
