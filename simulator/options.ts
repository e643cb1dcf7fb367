/**
 * The simulator's options: defaults in one place, and a total parser from argv (plus the few env
 * vars the CLI edge passes in) that returns one clear error naming the flag, never throws.
 */
import { parseDuration } from '../lib/duration.ts';
import { isDeviceId, isMetricName, MAX_PAYLOAD_BYTES } from '../domain/reading.ts';
import { FORMAT_NAMES, FORMATS, type FormatName } from './formats/index.ts';
import { anomalousMetrics, PROFILES } from './signals.ts';

export interface SimulatorOptions {
  readonly devices: number;
  /** Each device's sampling period; also the step of its signal clock. */
  readonly intervalMs: number;
  readonly metrics: readonly string[];
  readonly seed: number;
  readonly broker: string;
  /** `{id}` inside either is replaced by the device id, for brokers with per-device credentials. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly prefix: string;
  /** Device ids are this prefix and a number padded to at least 3 digits: sim-001, sim-002, ... */
  readonly idPrefix: string;
  readonly qos: 0 | 1;
  /** Entries per telemetry message; 1 sends single (flat) readings, more sends JSON arrays. Formats that cannot batch ignore it. */
  readonly batch: number;
  /** Which ecosystem the fleet plays: topics, payloads, status and will (simulator/formats/). */
  readonly format: FormatName;
  /** Share of samples, 0..1, with one metric pushed past its default rule. */
  readonly anomalies: number;
  /** Chance, 0..1, that a device's turn is a fault instead of a normal message; 0 is off. */
  readonly faults: number;
  /** Total telemetry messages per second across all devices; overrides the per-device interval. */
  readonly rate: number | undefined;
  /** Exact number of telemetry messages to publish, then stop. */
  readonly count: number | undefined;
  readonly durationMs: number | undefined;
  /** How long start() waits for the devices' first connections. */
  readonly connectTimeoutMs: number;
  /** Wait before a dropped connection is retried. */
  readonly reconnectMs: number;
}

export const DEFAULT_OPTIONS: SimulatorOptions = Object.freeze({
  devices: 10,
  intervalMs: 1_000,
  metrics: Object.freeze(['temperature', 'humidity']),
  seed: 1,
  broker: 'mqtt://127.0.0.1:1883',
  username: undefined,
  password: undefined,
  prefix: 'devices',
  idPrefix: 'sim-',
  qos: 0,
  batch: 1,
  format: 'vigil',
  anomalies: 0,
  faults: 0,
  rate: undefined,
  count: undefined,
  durationMs: undefined,
  connectTimeoutMs: 10_000,
  reconnectMs: 1_000,
});

/** The fault rate of a bare `--faults`. */
export const DEFAULT_FAULT_RATE = 0.02;
export const MAX_DEVICES = 10_000;
export const MAX_BATCH = 1_000;
export const MAX_METRICS = 64;

export type ParseResult =
  | { readonly ok: true; readonly help: boolean; readonly options: SimulatorOptions }
  | { readonly ok: false; readonly error: string };

export type Env = Readonly<Record<string, string | undefined>>;

export function deviceId(idPrefix: string, index: number, devices: number): string {
  const width = Math.max(3, String(devices).length);
  return `${idPrefix}${String(index + 1).padStart(width, '0')}`;
}

type Draft = { -readonly [K in keyof SimulatorOptions]: SimulatorOptions[K] };
type Apply = (value: string, draft: Draft) => string | null;

const WHOLE = /^\d{1,15}$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)(e\d{1,2})?$/i;
const BROKER_URL = /^(mqtts?|wss?|tcp|ssl):\/\/[^\s/,]+/;

const got = (value: string) => ` (got ${JSON.stringify(value)})`;

function whole(flag: string, low: number, high: number, set: (n: number, d: Draft) => void): Apply {
  return (value, draft) => {
    const n = Number(value);
    if (!WHOLE.test(value) || n < low || n > high) return `${flag} must be a whole number from ${low} to ${high}${got(value)}`;
    set(n, draft);
    return null;
  };
}

/** 0..1, or a percentage such as 5%. */
function fraction(flag: string, set: (n: number, d: Draft) => void): Apply {
  return (value, draft) => {
    const percent = value.endsWith('%');
    const text = percent ? value.slice(0, -1) : value;
    const n = DECIMAL.test(text) ? Number(text) / (percent ? 100 : 1) : NaN;
    if (!(n >= 0 && n <= 1)) return `${flag} must be a rate from 0 to 1, or a percentage such as 5%${got(value)}`;
    set(n, draft);
    return null;
  };
}

function duration(flag: string, minMs: number, maxMs: number, set: (ms: number, d: Draft) => void): Apply {
  return (value, draft) => {
    const ms = parseDuration(value);
    if (ms === null || ms < minMs || ms > maxMs) {
      return `${flag} must be a duration such as 500ms, 1s or 2m, from ${minMs} ms to ${maxMs / 86_400_000} d${got(value)}`;
    }
    set(ms, draft);
    return null;
  };
}

function brokerError(name: string, value: string): string | null {
  return BROKER_URL.test(value)
    ? null
    : `${name} must be a broker URL such as mqtt://127.0.0.1:1883, mqtts://, ws:// or wss://${got(value)}`;
}

function prefixError(name: string, value: string): string | null {
  if (
    value === '' ||
    /[#+\s]/.test(value) ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.includes('//') ||
    value.startsWith('$')
  ) {
    return `${name} must be a topic path without wildcards, spaces, "//", or a leading "/" or "$"${got(value)}`;
  }
  return null;
}

interface Flag {
  readonly name: string;
  readonly value: string | null;
  /** Set when the value may be left out (`--faults` alone). */
  readonly bare?: string;
  readonly help: string;
  readonly apply: Apply;
}

const FLAGS: readonly Flag[] = [
  {
    name: '--devices',
    value: 'N',
    help: `number of devices, 1-${MAX_DEVICES} (default 10)`,
    apply: whole('--devices', 1, MAX_DEVICES, (n, d) => (d.devices = n)),
  },
  {
    name: '--interval',
    value: 'DURATION',
    help: 'per-device sampling period, e.g. 500ms, 1s, 2m (default 1s)',
    apply: duration('--interval', 1, 86_400_000, (ms, d) => (d.intervalMs = ms)),
  },
  {
    name: '--metrics',
    value: 'LIST',
    help: 'comma-separated metric names (default temperature,humidity); known: temperature, humidity, pressure, co2, battery, voltage, light',
    apply: (value, draft) => {
      const metrics = value.split(',').map((m) => m.trim());
      const bad = metrics.find((m) => !isMetricName(m));
      if (bad !== undefined)
        return `--metrics has ${JSON.stringify(bad)}, which is not a metric name (letters, digits, _ and ., not starting with a digit)`;
      if (new Set(metrics).size !== metrics.length) return `--metrics names a metric twice${got(value)}`;
      if (metrics.length > MAX_METRICS) return `--metrics takes at most ${MAX_METRICS} metrics (got ${metrics.length})`;
      draft.metrics = metrics;
      return null;
    },
  },
  {
    name: '--seed',
    value: 'N',
    help: 'random seed, 0-4294967295 (default 1)',
    apply: whole('--seed', 0, 4_294_967_295, (n, d) => (d.seed = n)),
  },
  {
    name: '--broker',
    value: 'URL',
    help: 'broker URL (default $MQTT_URL, else mqtt://127.0.0.1:1883)',
    apply: (value, draft) => brokerError('--broker', value) ?? ((draft.broker = value), null),
  },
  {
    name: '--duration',
    value: 'DURATION',
    help: 'stop after this long, e.g. 30s, 5m',
    apply: duration('--duration', 1, 366 * 86_400_000, (ms, d) => (d.durationMs = ms)),
  },
  {
    name: '--count',
    value: 'N',
    help: 'publish exactly N reports (telemetry messages; ESPHome: one set per sensor) in total, then stop',
    apply: whole('--count', 1, 1e15, (n, d) => (d.count = n)),
  },
  {
    name: '--rate',
    value: 'N',
    help: 'total reports per second across all devices (replaces --interval scheduling)',
    apply: (value, draft) => {
      const n = DECIMAL.test(value) ? Number(value) : NaN;
      if (!(n > 0 && n <= 10_000_000)) return `--rate must be a number of messages per second above 0, at most 10000000${got(value)}`;
      draft.rate = n;
      return null;
    },
  },
  {
    name: '--qos',
    value: '0|1',
    help: 'QoS of telemetry (default 0)',
    apply: (value, draft) =>
      value === '0' || value === '1' ? ((draft.qos = value === '0' ? 0 : 1), null) : `--qos must be 0 or 1${got(value)}`,
  },
  {
    name: '--batch',
    value: 'N',
    help: `entries per message, 1-${MAX_BATCH}; above 1 sends JSON arrays; vigil, telegraf and senml only (default 1)`,
    apply: whole('--batch', 1, MAX_BATCH, (n, d) => (d.batch = n)),
  },
  {
    name: '--format',
    value: 'NAME',
    help: `topics and payloads of ${FORMAT_NAMES.join(', ')} (default vigil)`,
    apply: (value, draft) => {
      const format = FORMAT_NAMES.find((f) => f === value);
      if (!format) return `--format must be one of ${FORMAT_NAMES.join(', ')}${got(value)}`;
      draft.format = format;
      return null;
    },
  },
  {
    name: '--anomalies',
    value: 'RATE',
    help: 'share of samples past a default alert rule, 0-1 or 5% (default 0)',
    apply: fraction('--anomalies', (n, d) => (d.anomalies = n)),
  },
  {
    name: '--faults',
    value: '[RATE]',
    bare: String(DEFAULT_FAULT_RATE),
    help: `inject bad payloads, disconnects, clock skew and offline backlogs; optional rate per device turn (default off; ${DEFAULT_FAULT_RATE} when given alone)`,
    apply: fraction('--faults', (n, d) => (d.faults = n)),
  },
  {
    name: '--prefix',
    value: 'TOPIC',
    help: 'topic prefix (default $TOPIC_PREFIX, else devices)',
    apply: (value, draft) => prefixError('--prefix', value) ?? ((draft.prefix = value), null),
  },
  {
    name: '--id-prefix',
    value: 'TEXT',
    help: 'device id prefix, for running several simulators side by side (default sim-)',
    apply: (value, draft) => ((draft.idPrefix = value), null),
  },
  { name: '--help', value: null, help: 'show this help', apply: () => null },
];

export const USAGE = [
  'Usage: npm run simulate -- [flags]',
  '',
  'Plays fake devices that publish telemetry to {prefix}/{id}/telemetry over MQTT, or in the',
  'topics and payloads of another ecosystem (--format; see docs/simulator.md).',
  '',
  ...FLAGS.map((f) => `  ${`${f.name}${f.value ? ` ${f.value}` : ''}`.padEnd(24)} ${f.help}`),
  '',
  'Env: MQTT_URL (first URL), MQTT_USERNAME, MQTT_PASSWORD ({id} = device id), TOPIC_PREFIX, LOG_LEVEL.',
  'Prints a progress line on a TTY (stderr) and a JSON summary as the last line of stdout.',
].join('\n');

const takesBareValue = (next: string | undefined) => next !== undefined && !next.startsWith('-') && /^[\d.]/.test(next);

export function parseArgs(argv: readonly string[], env: Env = {}): ParseResult {
  const draft: Draft = { ...DEFAULT_OPTIONS };
  const mqttUrl = env['MQTT_URL']?.split(',')[0]?.trim();
  if (mqttUrl) {
    const error = brokerError('MQTT_URL', mqttUrl);
    if (error) return { ok: false, error };
    draft.broker = mqttUrl;
  }
  const topicPrefix = env['TOPIC_PREFIX']?.trim();
  if (topicPrefix) {
    const error = prefixError('TOPIC_PREFIX', topicPrefix);
    if (error) return { ok: false, error };
    draft.prefix = topicPrefix;
  }
  if (env['MQTT_USERNAME']) draft.username = env['MQTT_USERNAME'];
  if (env['MQTT_PASSWORD']) draft.password = env['MQTT_PASSWORD'];

  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) return { ok: false, error: `unexpected argument ${JSON.stringify(arg)} (flags start with --; see --help)` };
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS.find((f) => f.name === name);
    if (!flag) return { ok: false, error: `unknown flag ${name} (see --help)` };
    if (flag.name === '--help') {
      help = true;
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (flag.bare !== undefined) value = takesBareValue(argv[i + 1]) ? argv[++i]! : flag.bare;
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        return { ok: false, error: `${name} needs a value (${flag.value})` };
      value = argv[++i]!;
    }
    const error = flag.apply(value, draft);
    if (error) return { ok: false, error };
  }
  const error = validateOptions(draft);
  return error ? { ok: false, error } : { ok: true, help, options: Object.freeze(draft) };
}

/** Largest text a value of ours takes in JSON ("-1234.567", "120000"), with room to spare. */
const MAX_VALUE_CHARS = 12;

/** An upper bound on the bytes of one explicit batch entry (with its comma). */
export function maxEntryBytes(metrics: readonly string[]): number {
  const values = metrics.reduce((sum, m) => sum + m.length + 3 + MAX_VALUE_CHARS + 1, 0);
  return '{"ts":'.length + 13 + ',"values":{'.length + values + '}},'.length;
}

/** Checks options as a whole; programmatic callers of start() get the same messages as the CLI. */
export function validateOptions(o: SimulatorOptions): string | null {
  if (!Number.isInteger(o.devices) || o.devices < 1 || o.devices > MAX_DEVICES)
    return `--devices must be a whole number from 1 to ${MAX_DEVICES} (got ${o.devices})`;
  if (!(o.intervalMs >= 1)) return `--interval must be at least 1 ms (got ${o.intervalMs})`;
  if (o.metrics.length === 0 || o.metrics.length > MAX_METRICS || !o.metrics.every(isMetricName))
    return `--metrics must list 1-${MAX_METRICS} metric names`;
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 4_294_967_295)
    return `--seed must be a whole number from 0 to 4294967295 (got ${o.seed})`;
  const broker = brokerError('--broker', o.broker);
  if (broker) return broker;
  const prefix = prefixError('--prefix', o.prefix);
  if (prefix) return prefix;
  const last = deviceId(o.idPrefix, o.devices - 1, o.devices);
  if (!isDeviceId(deviceId(o.idPrefix, 0, o.devices)) || !isDeviceId(last)) {
    return `--id-prefix ${JSON.stringify(o.idPrefix)} makes device ids such as ${JSON.stringify(last)} that are not allowed (letters, digits, _ . : -; at most 64)`;
  }
  if (o.qos !== 0 && o.qos !== 1) return `--qos must be 0 or 1 (got ${String(o.qos)})`;
  if (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > MAX_BATCH)
    return `--batch must be a whole number from 1 to ${MAX_BATCH} (got ${o.batch})`;
  const format = FORMATS[o.format];
  if (!format) return `--format must be one of ${FORMAT_NAMES.join(', ')} (got ${JSON.stringify(o.format)})`;
  const entryBytes = (format.entryBytes ?? maxEntryBytes)(o.metrics);
  if (format.batches && 2 + o.batch * entryBytes > MAX_PAYLOAD_BYTES) {
    const most = Math.floor((MAX_PAYLOAD_BYTES - 2) / entryBytes);
    return `--batch ${o.batch} with ${o.metrics.length} metrics could exceed the ${MAX_PAYLOAD_BYTES / 1024} KiB payload limit; use --batch ${most} or fewer`;
  }
  if (!(o.anomalies >= 0 && o.anomalies <= 1)) return `--anomalies must be a rate from 0 to 1 (got ${o.anomalies})`;
  if (o.anomalies > 0 && anomalousMetrics(o.metrics).length === 0) {
    const known = Object.keys(PROFILES).filter((m) => PROFILES[m]!.anomaly !== undefined);
    return `--anomalies needs one of ${known.join(', ')} among --metrics (the metrics with a default rule)`;
  }
  if (!(o.faults >= 0 && o.faults <= 1)) return `--faults must be a rate from 0 to 1 (got ${o.faults})`;
  // Faults are built from the native format's rules (bad JSON, bad ids, future timestamps).
  if (o.faults > 0 && o.format !== 'vigil') return `--faults works with --format vigil only (got --format ${o.format})`;
  if (o.rate !== undefined && !(o.rate > 0 && o.rate <= 10_000_000)) return `--rate must be above 0 and at most 10000000 (got ${o.rate})`;
  if (o.count !== undefined && !(Number.isInteger(o.count) && o.count >= 1))
    return `--count must be a whole number of at least 1 (got ${o.count})`;
  if (o.durationMs !== undefined && !(o.durationMs >= 1)) return `--duration must be at least 1 ms (got ${o.durationMs})`;
  if (!(o.connectTimeoutMs >= 1) || !(o.reconnectMs >= 1)) return 'connectTimeoutMs and reconnectMs must be at least 1 ms';
  return null;
}
