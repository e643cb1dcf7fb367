/**
 * vigil/stats/sources: each ingest process's device sources, their counters, and the topics no
 * source took (SPEC "Device sources"), every few seconds, for GET /api/sources,
 * /api/sources/unmatched and the vigil_source_* families of /metrics.
 *
 * The unmatched list can hold 200 payloads of 1 KiB, which JSON may escape to 6 KiB each (control
 * characters): 1.35 MB at worst, over even the embedded broker's 1 MiB packet cap for Vigil's own
 * clients (broker/index.ts MAX_SERVICE_PACKET; the 68 KiB device cap stopped applying to them in
 * e3cfe83). So fitSources() fills a byte budget, and the producer sends what did not fit in a
 * later message (the API keeps what it heard, by topic).
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN, SOURCE_NAME_PATTERN } from '../lib/config.ts';
import { REJECTED_PAYLOAD_LIMIT } from '../domain/events.ts';
import { REJECT_REASONS, type RejectReason } from '../domain/reading.ts';
import { VIGIL_TOPICS } from './topics.ts';
import { boundedString, countSchema, defineKind, keyedRecord, tsSchema } from './wire.ts';

export const SOURCE_KINDS = ['native', 'preset', 'custom'] as const;
export type SourceKindName = (typeof SOURCE_KINDS)[number];

export interface SourceCountsReport {
  readonly matched: number;
  readonly points: number;
  readonly skippedFields: number;
  readonly tsFallbacks: number;
  readonly ignored: number;
  readonly rejected: Readonly<Partial<Record<RejectReason, number>>>;
}

export interface SourceReport {
  readonly name: string;
  readonly kind: SourceKindName;
  /** The source's MQTT filters (the first MAX_TOPICS_PER_SOURCE). */
  readonly topics: readonly string[];
  readonly counters: SourceCountsReport;
}

export interface UnmatchedReport {
  readonly topic: string;
  /** Messages this instance heard on the topic. */
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The last payload, cut to 1 KiB. */
  readonly payload: string;
  /** The preset the topic and payload look like, if any. */
  readonly suggested: string | null;
}

export interface SourcesSnapshot {
  readonly instance: string;
  readonly at: number;
  /**
   * True once this instance, reading devices without a shared subscription, heard another ingest
   * instance: both then store every message (SPEC "Scale-out").
   */
  readonly duplicateConsumer: boolean;
  readonly sources: readonly SourceReport[];
  /** Some of the instance's unmatched topics, newest first; the rest come in later messages. */
  readonly unmatched: readonly UnmatchedReport[];
}

export const MAX_SOURCES = 64;
export const MAX_TOPICS_PER_SOURCE = 8;
export const MAX_FILTER_LENGTH = 200;
export const MAX_UNMATCHED = 200;
export const MAX_UNMATCHED_TOPIC = 512;
/** One turn: well inside any broker's limit (also the device cap of 68 KiB, which a bare test broker applies to everyone). */
export const MAX_SOURCES_BYTES = 64 * 1024;
/** What fitSources fills, leaving room for the envelope. */
const BUDGET_BYTES = MAX_SOURCES_BYTES - 2 * 1024;

const sourceName = z.string({ error: 'unknown_kind' }).regex(SOURCE_NAME_PATTERN, { error: 'unknown_kind' });

const countsSchema = z.object({
  matched: countSchema,
  points: countSchema,
  skippedFields: countSchema,
  tsFallbacks: countSchema,
  ignored: countSchema,
  rejected: keyedRecord(REJECT_REASONS, countSchema),
});

const snapshotSchema = z.object({
  instance: z.string({ error: 'bad_instance' }).regex(INSTANCE_ID_PATTERN, { error: 'bad_instance' }),
  at: tsSchema,
  duplicateConsumer: z.boolean(),
  sources: z
    .array(
      z.object({
        name: sourceName,
        kind: z.enum(SOURCE_KINDS, { error: 'unknown_kind' }),
        topics: z.array(boundedString(MAX_FILTER_LENGTH)).max(MAX_TOPICS_PER_SOURCE, { error: 'too_many_entries' }),
        counters: countsSchema,
      }),
    )
    .max(MAX_SOURCES, { error: 'too_many_entries' }),
  unmatched: z
    .array(
      z.object({
        topic: boundedString(MAX_UNMATCHED_TOPIC),
        count: countSchema,
        firstSeen: tsSchema,
        lastSeen: tsSchema,
        payload: boundedString(REJECTED_PAYLOAD_LIMIT),
        suggested: sourceName.nullable(),
      }),
    )
    .max(MAX_UNMATCHED, { error: 'too_many_entries' }),
});

export const sourcesStats = defineKind({
  topic: VIGIL_TOPICS.sources,
  qos: 0,
  maxBytes: MAX_SOURCES_BYTES,
  schema: snapshotSchema,
  latestTs: (s) => Math.max(s.at, ...s.unmatched.map((u) => u.lastSeen)),
  // Reason keys were checked against REJECT_REASONS by the schema.
  build: (s): SourcesSnapshot => s as SourcesSnapshot,
});

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * The snapshot that fits one message: sources (their topics cut down if they would crowd
 * everything out), then as many of `unmatched` as fit, in the order given (the producer puts
 * what changed first). Returns which unmatched topics went in. Anything the schema would refuse
 * (a source name it does not allow, a topic too long to show) is left out here, at the producer.
 */
export function fitSources(snapshot: SourcesSnapshot): { snapshot: SourcesSnapshot; sent: string[] } {
  const valid = snapshot.sources.filter((s) => SOURCE_NAME_PATTERN.test(s.name)).slice(0, MAX_SOURCES);
  const cut = (perSource: number) =>
    valid.map((s) => ({ ...s, topics: s.topics.filter((t) => t.length <= MAX_FILTER_LENGTH).slice(0, perSource) }));
  let sources = cut(MAX_TOPICS_PER_SOURCE);
  if (bytes(sources) > BUDGET_BYTES / 2) sources = cut(1);
  let used = bytes(sources);
  const unmatched: UnmatchedReport[] = [];
  for (const entry of snapshot.unmatched) {
    if (unmatched.length >= MAX_UNMATCHED) break;
    if (entry.topic.length > MAX_UNMATCHED_TOPIC) continue;
    const fitted = {
      ...entry,
      payload: entry.payload.slice(0, REJECTED_PAYLOAD_LIMIT),
      suggested: entry.suggested !== null && SOURCE_NAME_PATTERN.test(entry.suggested) ? entry.suggested : null,
    };
    const size = bytes(fitted) + 1;
    if (used + size > BUDGET_BYTES) break;
    used += size;
    unmatched.push(fitted);
  }
  return { snapshot: { ...snapshot, sources, unmatched }, sent: unmatched.map((u) => u.topic) };
}
