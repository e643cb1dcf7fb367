/**
 * Custom sources from SOURCES_FILE (SPEC "Device sources"): a JSON or YAML file holding either an
 * array of sources or `{"sources": [...]}`. Each source:
 *   {"name", "topic": "site/{device}/env/{metric}", "format": "json"|"value"|"influx"|"telegraf"|"senml",
 *    "ts": {"path", "unit", "zone"}, "status": {"topic", "online", "offline"},
 *    "include", "exclude", "rename", "units"}
 * parseSourcesFile never throws: it returns the sources or one human-readable line per mistake.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { globMatch } from '../domain/glob.ts';
import { isMetricName } from '../domain/reading.ts';
import { context, type FormatContext } from './decoders/context.ts';
import { decodeInflux } from './decoders/influx.ts';
import { decodeJson } from './decoders/json.ts';
import { decodeSenml } from './decoders/senml.ts';
import { decodeTelegraf } from './decoders/telegraf.ts';
import { decodeValue } from './decoders/value.ts';
import { deviceIdFor } from './identity.ts';
import type { FlattenOptions } from './payload.ts';
import { SOURCE_NAMES } from './names.ts';
import { compilePattern, type TopicPattern } from './pattern.ts';
import { GATEWAY_ONLY, ownedBy, RETAINED, shortText, status, who } from './presets/common.ts';
import { isTimeZone, TS_UNITS, type TsClock, type TsUnit } from './time.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from './types.ts';

export const CUSTOM_FORMATS = ['json', 'value', 'influx', 'telegraf', 'senml'] as const;
export type CustomFormat = (typeof CUSTOM_FORMATS)[number];

/** Names a custom source may not take: vigil and every preset. */
const reservedNames: ReadonlySet<string> = new Set(SOURCE_NAMES);

const metricName = z.string().refine(isMetricName, { message: 'must be a metric name (^[A-Za-z_][A-Za-z0-9_.]{0,63}$)' });

const TsSchema = z.strictObject({
  path: z.string().min(1).max(200).optional(),
  unit: z.enum(TS_UNITS as [TsUnit, ...TsUnit[]]).optional(),
  zone: z.string().refine(isTimeZone, { message: 'is not a time zone this Node knows (an IANA name like Europe/Berlin)' }).optional(),
});

const StatusSchema = z.strictObject({
  topic: z.string(),
  online: z.string().min(1).max(64).default('online'),
  offline: z.string().min(1).max(64).default('offline'),
});

const patterns = z.array(z.string().min(1).max(128)).max(256);

export const CustomSourceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'must be lowercase letters, digits, - or _, starting with a letter (at most 32)' }),
  topic: z.string(),
  format: z.enum(CUSTOM_FORMATS),
  ts: TsSchema.optional(),
  status: StatusSchema.optional(),
  include: patterns.optional(),
  exclude: patterns.optional(),
  rename: z.record(z.string().min(1).max(256), metricName).optional(),
  units: z.record(metricName, z.string().min(1).max(32)).optional(),
});

export type CustomSourceSpec = z.output<typeof CustomSourceSchema>;

const FileSchema = z.union([z.array(z.unknown()), z.strictObject({ sources: z.array(z.unknown()) })]);

export type SourcesFileResult =
  | { readonly ok: true; readonly sources: CustomSourceSpec[] }
  | { readonly ok: false; readonly errors: string[] };

function readDocument(text: string, filename: string): { doc: unknown } | string[] {
  const yaml = /\.ya?ml$/i.test(filename);
  if (!yaml) {
    try {
      return { doc: JSON.parse(text) as unknown };
    } catch (err) {
      if (/\.json$/i.test(filename)) return [`${filename}: not valid JSON: ${(err as Error).message}`];
    }
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return doc.errors.slice(0, 20).map((e) => `${filename}: YAML ${e.message.split('\n')[0]}`);
  return { doc: doc.toJS({ maxAliasCount: 100 }) as unknown };
}

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Parses SOURCES_FILE's text; `filename` decides JSON or YAML and prefixes every error line. */
export function parseSourcesFile(text: string, filename: string): SourcesFileResult {
  let read: { doc: unknown } | string[];
  try {
    read = readDocument(text, filename);
  } catch (err) {
    return { ok: false, errors: [`${filename}: ${(err as Error).message}`] };
  }
  if (Array.isArray(read)) return { ok: false, errors: read };
  const file = FileSchema.safeParse(read.doc);
  if (!file.success) return { ok: false, errors: [`${filename}: must be an array of sources or {"sources": [...]}`] };
  const items = Array.isArray(file.data) ? file.data : file.data.sources;
  const errors: string[] = [];
  const sources: CustomSourceSpec[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const label = `${filename}: source ${index + 1}${isNamed(item) ? ` (${JSON.stringify(item.name)})` : ''}`;
    const parsed = CustomSourceSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at = issuePath(issue.path);
        const keys =
          issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
        errors.push(`${label}: ${at === '' ? '' : `${at}: `}${keys}`);
      }
      return;
    }
    for (const problem of crossCheck(parsed.data, seen)) errors.push(`${label}: ${problem}`);
    seen.add(parsed.data.name);
    sources.push(parsed.data);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, sources };
}

function isNamed(item: unknown): item is { name: string } {
  return typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string';
}

/** What the schema alone cannot say: patterns, placeholders, names and format-specific fields. */
function crossCheck(spec: CustomSourceSpec, seen: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (reservedNames.has(spec.name)) problems.push(`name: ${JSON.stringify(spec.name)} is a built-in source; pick another`);
  if (seen.has(spec.name)) problems.push(`name: ${JSON.stringify(spec.name)} is used by an earlier source`);
  const topic = compilePattern(spec.topic);
  if (!topic.ok) problems.push(`topic: ${topic.error}`);
  else {
    const needsDevice = spec.format === 'json' || spec.format === 'value';
    if (needsDevice && !topic.pattern.names.includes('device'))
      problems.push('topic: needs a {device} placeholder (json and value name the device by the topic)');
    const filter = topic.pattern.filter;
    // `#` alone would hand every topic on the broker to this source, and vigil/ is Vigil's own.
    if (filter === '#' || filter === 'vigil' || filter.startsWith('vigil/'))
      problems.push("topic: may not cover every topic or Vigil's own vigil/ topics");
  }
  if (spec.status) {
    const st = compilePattern(spec.status.topic);
    if (!st.ok) problems.push(`status.topic: ${st.error}`);
    else if (!st.pattern.names.includes('device')) problems.push('status.topic: needs a {device} placeholder');
  }
  if (spec.ts?.path !== undefined && spec.format !== 'json')
    problems.push(`ts.path: only the json format reads a timestamp path (${spec.format} has its own)`);
  if (spec.ts?.zone !== undefined && spec.ts.unit !== undefined && spec.ts.unit !== 'iso' && spec.ts.unit !== 'auto') {
    problems.push('ts.zone: only ISO-8601 times (unit iso or auto) have a zone to read');
  }
  return problems;
}

const DEFAULT_UNIT: Record<CustomFormat, TsUnit> = { json: 'auto', value: 'auto', influx: 'ns', telegraf: 'auto', senml: 'auto' };
const DECODERS: Record<CustomFormat, (payload: Uint8Array, ctx: FormatContext) => Decoded> = {
  json: decodeJson,
  value: decodeValue,
  influx: decodeInflux,
  telegraf: decodeTelegraf,
  senml: decodeSenml,
};

/** Metric selection and renaming, compiled once: exact names in sets, globs in a short list. */
function flattenOptions(spec: CustomSourceSpec): FlattenOptions {
  const split = (list: readonly string[] | undefined) => {
    const exact = new Set<string>();
    const globs: string[] = [];
    for (const p of list ?? []) {
      if (p.includes('*') || p.includes('?')) globs.push(p);
      else exact.add(p);
    }
    return { exact, globs, any: (list ?? []).length > 0 };
  };
  const include = split(spec.include);
  const exclude = split(spec.exclude);
  const hit = (set: ReturnType<typeof split>, path: string) => set.exact.has(path) || set.globs.some((g) => globMatch(g, path));
  const rename = spec.rename ? new Map(Object.entries(spec.rename)) : null;
  return {
    ...(include.any || exclude.any
      ? { accept: (path: string) => (!include.any || hit(include, path)) && !(exclude.any && hit(exclude, path)) }
      : {}),
    ...(rename ? { rename: (path: string) => rename.get(path) } : {}),
  };
}

/** A Source for a validated custom spec (patterns compile: parseSourcesFile checked them). */
export function customSource(spec: CustomSourceSpec): Source {
  const topic = compilePattern(spec.topic);
  const statusTopic = spec.status ? compilePattern(spec.status.topic) : null;
  if (!topic.ok || (statusTopic && !statusTopic.ok)) throw new Error(`custom source ${spec.name}: topic pattern does not compile`);
  const data: TopicPattern = topic.pattern;
  const st: TopicPattern | null = statusTopic?.ok ? statusTopic.pattern : null;
  const clock: TsClock = { unit: spec.ts?.unit ?? DEFAULT_UNIT[spec.format], zone: spec.ts?.zone ?? 'UTC' };
  const tsPath = spec.ts?.path ? spec.ts.path.split('.') : null;
  const options = flattenOptions(spec);
  const units = spec.units ?? null;
  const decoder = DECODERS[spec.format];
  const deviceTag = spec.format === 'influx' || spec.format === 'telegraf' ? (data.names.includes('device') ? null : 'host') : null;
  const online = spec.status?.online.toLowerCase();
  const offline = spec.status?.offline.toLowerCase();
  return {
    name: spec.name,
    filters: st ? [data.filter, st.filter] : [data.filter],
    decode(message: SourceMessage): Decoded | undefined {
      const s = st?.match(message.topic);
      if (s) {
        const d = who(s['device']!);
        const text = shortText(message.payload)?.toLowerCase();
        if (text === online) return status(d, 'online', message.retain);
        if (text === offline) return status(d, 'offline', message.retain);
        return {
          kind: 'rejected',
          device: d.id,
          reason: 'bad_status',
          detail: `status must be ${spec.status?.online} or ${spec.status?.offline}`,
        };
      }
      const m = data.match(message.topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      const original = m['device'];
      const ctx = context(message.receivedAt, original === undefined ? null : deviceIdFor(original), original ?? null, {
        metric: m['metric'] ?? null,
        clock,
        tsPath,
        options,
        units,
        deviceTag,
      });
      return decoder(message.payload, ctx);
    },
    // With {device} the topic names it for every format (the `host` tag is read only without one).
    claim(topic: string): TopicClaim | undefined {
      const m = st?.match(topic) ?? data.match(topic);
      if (!m) return undefined;
      const device = m['device'];
      return device === undefined ? GATEWAY_ONLY : ownedBy(device);
    },
  };
}
