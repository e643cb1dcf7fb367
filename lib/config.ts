import { hostname } from 'node:os';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { isLoopbackHost } from './net.ts';

/**
 * Every setting Vigil reads, parsed once at the edge of a process and passed down read-only.
 * Nothing below this module reads process.env. CONFIG_KEYS holds every key's default and the
 * README table is generated from it (npm run docs:config).
 */
export interface VigilConfig {
  readonly mqtt: {
    /** Brokers to read devices from; empty means "start the embedded broker". The first also carries Vigil's own topics. */
    readonly urls: readonly string[];
    readonly username: string | undefined;
    readonly password: string | undefined;
    readonly embeddedPort: number;
    /** Base of the client ids; each process appends its role so sessions stay stable across restarts. */
    readonly clientId: string;
    /** MQTT_PROTOCOL: `auto` tries 5 then 3.1.1 (lib/mqtt.ts connectMqtt); `5` or `3.1.1` force one. */
    readonly protocol: MqttProtocol;
    /** Whether the embedded broker takes device clients without credentials (MQTT_ANONYMOUS). */
    readonly anonymous: boolean;
  };
  /** Names this process among its replicas (ingest's session id, the metrics label). */
  readonly instanceId: string;
  readonly topicPrefix: string;
  readonly store: {
    readonly kind: 'sqlite' | 'influx';
    readonly sqlitePath: string;
    readonly influx: { readonly url: string; readonly token: string | undefined; readonly database: string };
    readonly retentionMs: number;
  };
  readonly http: { readonly host: string; readonly port: number; readonly trustProxy: boolean };
  readonly token: string | undefined;
  readonly staleAfterMs: number;
  readonly simDevices: number;
  readonly alertWebhookUrl: string | undefined;
  /** Signs webhook deliveries (Standard Webhooks) when set. */
  readonly alertWebhookSecret: string | undefined;
  /** Where people reach the dashboard, for links in alert webhooks. */
  readonly publicUrl: string;
  readonly logLevel: LogLevel;
  readonly sources: {
    /** SOURCES: `all`, or the names given (checked against the known sources where they are built). */
    readonly enabled: 'all' | readonly string[];
    /** SOURCES_FILE: custom sources, read and validated when ingest starts. */
    readonly file: string | undefined;
    /** DISCOVER_TOPICS: on an external broker, also subscribe to `#` to list topics no source takes. */
    readonly discoverTopics: boolean;
  };
  /** Where a standalone ingest serves its own /metrics; undefined: it serves none (the all-in-one's API serves ingest's). */
  readonly ingestMetricsPort: number | undefined;
  /**
   * INGEST_CONNECTIONS: shared-subscription connections ingest opens to each broker that takes
   * shared subscriptions (one otherwise); their messages share commits (docs/ingest.md).
   */
  readonly ingestConnections: number;
}

/** What INSTANCE_ID may be; the bus checks the instance of every ingest stats snapshot against it too. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,40}$/;

/** INGEST_CONNECTIONS at most: each is a session on the broker and a socket in ingest. */
export const MAX_INGEST_CONNECTIONS = 16;

export const MQTT_PROTOCOLS = ['auto', '5', '3.1.1'] as const;
export type MqttProtocol = (typeof MQTT_PROTOCOLS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type EnvKey = keyof typeof envSchema.shape;

export interface ConfigKey {
  readonly name: EnvKey;
  /**
   * The value used when the key is unset, written as an operator would set it. parseConfig feeds
   * it through the schema like a given value, so this table is the only place a default lives.
   */
  readonly default?: string;
  /** For a key without a literal default: what leaving it unset means. */
  readonly unset?: string;
  /** One line for the README table (generated from this list: npm run docs:config). */
  readonly meaning: string;
}

/** The documented keys, in the order of the README table. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'MQTT_URL', unset: 'embedded broker', meaning: 'broker URL(s), comma-separated; the first also carries Vigil topics' },
  { name: 'MQTT_USERNAME', unset: 'none', meaning: 'broker user name' },
  { name: 'MQTT_PASSWORD', unset: 'none', meaning: 'broker password' },
  { name: 'MQTT_PORT', default: '1883', meaning: 'port of the embedded broker' },
  {
    name: 'MQTT_CLIENT_ID',
    default: 'vigil',
    meaning: 'base of the MQTT client ids (ingest uses `<id>-ingest-<INSTANCE_ID>` with a persistent session)',
  },
  {
    name: 'MQTT_PROTOCOL',
    default: 'auto',
    meaning: '`auto`, `5` or `3.1.1`; `auto` tries MQTT 5 and falls back to 3.1.1 on a refusal or on no CONNACK within 3 s',
  },
  {
    name: 'INSTANCE_ID',
    unset: 'the host name',
    meaning: "names this process among replicas (ingest's MQTT session, alert leader election; Prometheus labels targets itself)",
  },
  {
    name: 'MQTT_ANONYMOUS',
    unset: '`true` on a loopback `HOST`, else `false`',
    meaning:
      'whether the embedded broker accepts device clients without credentials (otherwise each device signs in with what `npm run device:add -- <id>` made)',
  },
  { name: 'TOPIC_PREFIX', default: 'devices', meaning: 'device topics live under it' },
  {
    name: 'STORE',
    default: 'sqlite',
    meaning: '`sqlite` or `influx` (readings in InfluxDB, through a durable spool beside `SQLITE_PATH`; docs/storage.md)',
  },
  { name: 'SQLITE_PATH', default: './data/vigil.db', meaning: 'embedded store file' },
  { name: 'INFLUX_URL', default: 'http://127.0.0.1:8086', meaning: 'InfluxDB base URL' },
  { name: 'INFLUX_TOKEN', unset: 'none', meaning: '2.x/3.x token, or `user:password` for 1.x' },
  { name: 'INFLUX_DATABASE', default: 'vigil', meaning: '1.x database, 2.x bucket, 3.x database' },
  {
    name: 'RETENTION',
    default: '7d',
    meaning:
      'how long readings are kept (SQLite deletes older ones every minute; a database Vigil creates in InfluxDB gets it as its retention policy)',
  },
  {
    name: 'HOST',
    default: '127.0.0.1',
    meaning: "API + dashboard address (and the embedded broker's, so devices on the LAN need `HOST=0.0.0.0`)",
  },
  { name: 'PORT', default: '8080', meaning: 'API + dashboard port' },
  {
    name: 'TRUST_PROXY',
    default: 'false',
    meaning:
      "`true` behind a reverse proxy (docker compose's nginx): sign-in limits per client address and https come from `X-Forwarded-For`/`-Proto`",
  },
  {
    name: 'VIGIL_TOKEN',
    unset: 'generated, kept beside the store',
    meaning: 'operator token for changes (`vigil.token`, mode 0600, next to `SQLITE_PATH`)',
  },
  { name: 'STALE_AFTER', default: '60s', meaning: 'a device without telemetry for this long is `stale`' },
  { name: 'SIM_DEVICES', default: '10', meaning: 'devices the built-in simulator of `npm start` plays; `0` turns it off' },
  {
    name: 'ALERT_WEBHOOK_URL',
    unset: 'none',
    meaning: 'alert transitions are POSTed there as JSON, retried with backoff (docs/alerts.md)',
  },
  {
    name: 'ALERT_WEBHOOK_SECRET',
    unset: 'none',
    meaning:
      'signs every webhook delivery per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,…`); `whsec_<base64>` or plain text (docs/alerts.md)',
  },
  {
    name: 'PUBLIC_URL',
    unset: '`http://HOST:PORT`',
    meaning: "the dashboard's address as people reach it, for links in alert webhooks; its host passes the Host check on loopback",
  },
  {
    name: 'INGEST_CONNECTIONS',
    default: '4',
    meaning:
      'connections ingest opens to each broker that takes MQTT 5 shared subscriptions, each a persistent session in `$share/vigil/…`, their messages committed together (1-16; one where shared subscriptions are unavailable; docs/ingest.md)',
  },
  {
    name: 'INGEST_METRICS_PORT',
    unset: 'none',
    meaning: 'a standalone ingest serves its own `/metrics` there, on `HOST` (docs/deploy.md has scrape configs)',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; JSON lines, pretty on a TTY',
  },
  {
    name: 'SOURCES',
    default: 'all',
    meaning: 'device sources to enable, comma-separated (`vigil` alone is the strict native format only; docs/ingest.md)',
  },
  { name: 'SOURCES_FILE', unset: 'none', meaning: 'JSON or YAML file of custom sources, validated at start' },
  {
    name: 'DISCOVER_TOPICS',
    default: 'false',
    meaning: 'on an external broker, also subscribe to `#` so `/api/sources/unmatched` lists topics no source takes',
  },
];

/** The literal defaults, keyed by name; what an empty environment is parsed as. */
const DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  CONFIG_KEYS.flatMap((k) => (k.default === undefined ? [] : [[k.name, k.default]])),
);

const port = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number from 1 to 65535`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65_535, `${name} must be a whole number from 1 to 65535`);

const duration = (name: string, minMs: number) =>
  z
    .string()
    .trim()
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null || ms < minMs) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a duration such as 30s, 15m, 7d (at least ${minMs} ms)` });
        return z.NEVER;
      }
      return ms;
    });

/** Secrets are taken as given: a trailing space may be part of a password. */
const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A source's name: how it appears in SOURCES, `/api/sources` and the `source` label of `/metrics`. */
export const SOURCE_NAME_PATTERN = /^[a-z0-9_-]{1,32}$/;

const booleanFlag = (name: string) =>
  z.enum(['true', 'false', '1', '0'], { message: `${name} must be true or false` }).transform((v) => v === 'true' || v === '1');

const brokerUrl = /^(mqtts?|wss?|tcp|ssl):\/\/[^\s/]+/;

const envSchema = z.object({
  MQTT_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const urls = (v ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      const bad = urls.find((u) => !brokerUrl.test(u));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `MQTT_URL has "${bad}", expected mqtt://host:port, mqtts://, ws:// or wss://` });
        return z.NEVER;
      }
      return urls;
    }),
  MQTT_USERNAME: optionalText,
  MQTT_PASSWORD: optionalSecret,
  MQTT_PORT: port('MQTT_PORT'),
  MQTT_ANONYMOUS: z
    .enum(['true', 'false', '1', '0'], { message: 'MQTT_ANONYMOUS must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  MQTT_CLIENT_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'MQTT_CLIENT_ID must be 1-40 letters, digits or _ . : -'),
  MQTT_PROTOCOL: z.enum(MQTT_PROTOCOLS, { message: `MQTT_PROTOCOL must be one of ${MQTT_PROTOCOLS.join(', ')}` }),
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(INSTANCE_ID_PATTERN, 'INSTANCE_ID must be 1-40 letters, digits or _ . -')
    .default(
      () =>
        hostname()
          .replace(/[^A-Za-z0-9_.-]/g, '')
          .slice(0, 40) || 'local',
    ),
  TOPIC_PREFIX: z
    .string()
    .trim()
    .regex(/^[^#+\s]+$/, 'TOPIC_PREFIX must be a topic path without wildcards or spaces')
    .refine((v) => !v.startsWith('/') && !v.endsWith('/') && !v.includes('//') && !v.startsWith('$'), {
      message: 'TOPIC_PREFIX must not start or end with "/", hold "//" or start with "$"',
    }),
  STORE: z.enum(['sqlite', 'influx'], { message: 'STORE must be "sqlite" or "influx"' }),
  SQLITE_PATH: z.string().trim().min(1, 'SQLITE_PATH must not be empty'),
  INFLUX_URL: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s/]+/, 'INFLUX_URL must be an http:// or https:// URL')
    .transform((v) => v.replace(/\/+$/, '')),
  INFLUX_TOKEN: optionalSecret,
  INFLUX_DATABASE: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'INFLUX_DATABASE must be 1-64 letters, digits or _ . -'),
  RETENTION: duration('RETENTION', 3_600_000),
  HOST: z.string().trim().min(1, 'HOST must not be empty'),
  PORT: port('PORT'),
  TRUST_PROXY: booleanFlag('TRUST_PROXY'),
  VIGIL_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'VIGIL_TOKEN must be at least 16 characters'),
  STALE_AFTER: duration('STALE_AFTER', 1_000),
  SIM_DEVICES: z
    .string()
    .trim()
    .regex(/^\d+$/, 'SIM_DEVICES must be a whole number from 0 to 10000')
    .transform(Number)
    .refine((n) => n <= 10_000, 'SIM_DEVICES must be a whole number from 0 to 10000'),
  ALERT_WEBHOOK_URL: optionalText.refine(
    (v) => v === undefined || /^https?:\/\/\S+$/.test(v),
    'ALERT_WEBHOOK_URL must be an http:// or https:// URL',
  ),
  ALERT_WEBHOOK_SECRET: optionalSecret.refine(
    (v) => v === undefined || !v.startsWith('whsec_') || /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(v),
    'ALERT_WEBHOOK_SECRET starts with whsec_ but what follows is not base64 (Standard Webhooks secrets are whsec_<base64>)',
  ),
  PUBLIC_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), 'PUBLIC_URL must be an http:// or https:// URL'),
  INGEST_METRICS_PORT: port('INGEST_METRICS_PORT').optional(),
  INGEST_CONNECTIONS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'INGEST_CONNECTIONS must be a whole number from 1 to 16')
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_INGEST_CONNECTIONS, 'INGEST_CONNECTIONS must be a whole number from 1 to 16'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }),
  SOURCES: z.string().transform((v, ctx): 'all' | string[] => {
    const names = v
      .split(',')
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'SOURCES must be "all" or a comma-separated list of source names' });
      return z.NEVER;
    }
    if (names.length === 1 && names[0] === 'all') return 'all';
    const bad = names.find((n) => !SOURCE_NAME_PATTERN.test(n) || n === 'all');
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `SOURCES has "${bad}": names are 1-32 of a-z 0-9 _ - ("all" only alone)` });
      return z.NEVER;
    }
    return [...new Set(names)];
  }),
  SOURCES_FILE: optionalText,
  DISCOVER_TOPICS: booleanFlag('DISCOVER_TOPICS'),
});

export type ConfigResult = { ok: true; config: VigilConfig } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;

/** Empty strings count as unset, so `PORT= npm start` behaves like no PORT at all. */
function withoutEmpty(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of CONFIG_KEYS.map((k) => k.name)) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function parseConfig(env: Env): ConfigResult {
  const parsed = envSchema.safeParse({ ...DEFAULTS, ...withoutEmpty(env) });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'config');
      const given = env[key];
      return issue.message.startsWith(key)
        ? `${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`
        : `${key}: ${issue.message}`;
    });
    return { ok: false, errors };
  }
  const e = parsed.data;
  const config: VigilConfig = {
    mqtt: {
      urls: e.MQTT_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      embeddedPort: e.MQTT_PORT,
      clientId: e.MQTT_CLIENT_ID,
      protocol: e.MQTT_PROTOCOL,
      // Beyond loopback anyone on the network could publish as any device, so credentials are the default there.
      anonymous: e.MQTT_ANONYMOUS ?? isLoopbackHost(e.HOST),
    },
    instanceId: e.INSTANCE_ID,
    topicPrefix: e.TOPIC_PREFIX,
    store: {
      kind: e.STORE,
      sqlitePath: e.SQLITE_PATH,
      influx: { url: e.INFLUX_URL, token: e.INFLUX_TOKEN, database: e.INFLUX_DATABASE },
      retentionMs: e.RETENTION,
    },
    http: { host: e.HOST, port: e.PORT, trustProxy: e.TRUST_PROXY },
    token: e.VIGIL_TOKEN,
    staleAfterMs: e.STALE_AFTER,
    simDevices: e.SIM_DEVICES,
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
    alertWebhookSecret: e.ALERT_WEBHOOK_SECRET,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? '127.0.0.1' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    sources: { enabled: e.SOURCES, file: e.SOURCES_FILE, discoverTopics: e.DISCOVER_TOPICS },
    ingestMetricsPort: e.INGEST_METRICS_PORT,
    ingestConnections: e.INGEST_CONNECTIONS,
  };
  return { ok: true, config: deepFreeze(config) };
}

/** The embedded broker's URL when MQTT_URL is unset. */
export function primaryBrokerUrl(config: VigilConfig): string {
  return config.mqtt.urls[0] ?? `mqtt://127.0.0.1:${config.mqtt.embeddedPort}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
