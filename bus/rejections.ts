/**
 * What every consumer of Vigil topics does with a message that does not decode: count it by topic
 * and reason (vigil_bus_rejected_total{topic,reason}), log it at most once per window per
 * topic and reason, and drop it.
 */
import { RateLimitedLog, type Logger } from '../lib/logger.ts';
import type { BusRejectedCounts } from './ingest-stats.ts';
import type { VigilTopic } from './topics.ts';
import type { BusRejectReason, BusRejection } from './wire.ts';

export class BusRejections {
  private readonly counts = new Map<VigilTopic, Map<BusRejectReason, number>>();
  private readonly log: RateLimitedLog | undefined;

  constructor(logger?: Logger) {
    this.log = logger ? new RateLimitedLog(logger) : undefined;
  }

  reject(topic: VigilTopic, rejection: BusRejection, bytes: number): void {
    let byReason = this.counts.get(topic);
    if (!byReason) this.counts.set(topic, (byReason = new Map()));
    byReason.set(rejection.reason, (byReason.get(rejection.reason) ?? 0) + 1);
    this.log?.warn(
      `bus:${topic}:${rejection.reason}`,
      { topic, reason: rejection.reason, detail: rejection.detail, bytes },
      'dropped a malformed message on a Vigil topic',
    );
  }

  count(topic: VigilTopic, reason: BusRejectReason): number {
    return this.counts.get(topic)?.get(reason) ?? 0;
  }

  snapshot(): BusRejectedCounts {
    const out: Partial<Record<VigilTopic, Partial<Record<BusRejectReason, number>>>> = {};
    for (const [topic, byReason] of this.counts) out[topic] = Object.fromEntries(byReason);
    return out;
  }
}
