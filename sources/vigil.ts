/**
 * The native format (SPEC "MQTT: devices to Vigil"): `{prefix}/{id}/telemetry` and `/status`,
 * strict: a message that breaks any rule is rejected whole, exactly as before sources existed.
 */
import { parseStatus, parseTelemetry } from '../domain/reading.ts';
import { deviceTopicFilters, parseDeviceTopic } from '../domain/topics.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from './types.ts';

export function vigilSource(prefix: string): Source {
  const filters = deviceTopicFilters(prefix);
  return {
    name: 'vigil',
    filters: [filters.telemetry, filters.status],
    firstLevels: [prefix.split('/')[0]!],
    decode(message: SourceMessage): Decoded | undefined {
      const { topic, payload, retain, receivedAt } = message;
      if (!topic.startsWith(`${prefix}/`)) return undefined;
      const where = parseDeviceTopic(prefix, topic);
      if (!where.ok) return { kind: 'rejected', device: where.device ?? null, reason: where.reason, detail: where.detail };
      if (where.kind === 'status') {
        const status = parseStatus(payload);
        if (!status)
          return { kind: 'rejected', device: where.device, reason: 'bad_status', detail: 'status payload must be "online" or "offline"' };
        // A replayed `online` says when the device last announced itself, not that it is alive
        // now; recording it at receive time would hold a dead device online for STALE_AFTER.
        if (retain && status === 'online') return { kind: 'ignored', why: 'retained' };
        return { kind: 'status', device: where.device, status, meta: [] };
      }
      // A retained reading was stored when it was first published; replaying it would store a
      // ts-less reading twice and make a dead device look alive.
      if (retain) return { kind: 'ignored', why: 'retained' };
      const parsed = parseTelemetry(where.device, payload, receivedAt);
      if (!parsed.ok) return { kind: 'rejected', device: where.device, reason: parsed.reason, detail: parsed.detail };
      return { kind: 'readings', entries: parsed.entries, meta: [], skippedFields: 0, tsFallbacks: 0 };
    },
    // Everything under the prefix is this source's (a bad topic is rejected here, never passed on).
    claim(topic: string): TopicClaim | undefined {
      if (!topic.startsWith(`${prefix}/`)) return undefined;
      const where = parseDeviceTopic(prefix, topic);
      return { device: where.ok ? where.device : null };
    },
  };
}
