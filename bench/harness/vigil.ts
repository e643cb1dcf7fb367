/**
 * The processes of a Vigil deployment as the benchmark runs them: Debian's Mosquitto, `npm run
 * ingest` and `npm run api` as their own processes (so each one's CPU is its own), and the
 * simulator as the load generator, also in its own process.
 */
import { join } from 'node:path';
import type { SimulatorSummary } from '../../simulator/stats.ts';
import { startMosquitto } from '../../tests/helpers/mosquitto.ts';
import { freePort } from '../../tests/helpers/ports.ts';
import { BENCH_SETTINGS } from '../config.ts';
import { findByCmdline } from './proc.ts';
import type { Scope } from './scope.ts';
import { spawnRole, type Child } from './spawn.ts';

export interface Broker {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
}

/**
 * Mosquitto as docs/deploy.md configures it (100 in flight per client, autosave every 10 s),
 * except a deeper per-session queue: a flood run parks up to a million messages there while
 * ingest drains them, and the deployment's 200,000 would drop the rest silently.
 */
export async function startBroker(scope: Scope): Promise<Broker> {
  const server = await scope.open(
    startMosquitto({ extraConfig: ['max_queued_messages 1000000', 'max_inflight_messages 100', 'autosave_interval 10'] }),
    (s) => s.stop(),
  );
  // The helper does not expose the PID; the config path is ours alone, so its cmdline finds it.
  const pid = findByCmdline(join(server.dir, 'mosquitto.conf'));
  if (pid === undefined) throw new Error('cannot find the PID of the mosquitto just started');
  return { url: server.url, port: server.port, pid };
}

export interface VigilEnv {
  readonly brokerUrl: string;
  /** Directory of the SQLite store (and the InfluxDB spool, and alert state). */
  readonly dir: string;
  readonly store: 'sqlite' | 'influx';
  readonly influxUrl?: string;
  readonly influxDatabase?: string;
  /** Distinct per run, so a persistent session left by an earlier run is never reused. */
  readonly clientId: string;
}

function env(v: VigilEnv, extra: Record<string, string>): Record<string, string> {
  return {
    MQTT_URL: v.brokerUrl,
    MQTT_CLIENT_ID: v.clientId,
    INSTANCE_ID: 'bench',
    STORE: v.store,
    SQLITE_PATH: join(v.dir, 'vigil.db'),
    ...(v.influxUrl ? { INFLUX_URL: v.influxUrl } : {}),
    ...(v.influxDatabase ? { INFLUX_DATABASE: v.influxDatabase } : {}),
    // A week, the default: the benchmark's readings are all recent.
    RETENTION: '7d',
    SIM_DEVICES: '0',
    LOG_LEVEL: 'info',
    ...(BENCH_SETTINGS.ingestConnections ? { INGEST_CONNECTIONS: BENCH_SETTINGS.ingestConnections } : {}),
    ...extra,
  };
}

export async function startIngest(scope: Scope, v: VigilEnv): Promise<Child> {
  const child = spawnRole('ingest', [], { env: env(v, {}) });
  scope.defer(() => child.stop());
  await child.waitFor(/"msg":"ingest is up"/, 60_000);
  return child;
}

export interface Api {
  readonly child: Child;
  readonly url: string;
}

export async function startApi(scope: Scope, v: VigilEnv, nofile?: number): Promise<Api> {
  const port = await freePort();
  const child = spawnRole('api', [], { env: env(v, { PORT: String(port), HOST: '127.0.0.1' }), ...(nofile ? { nofile } : {}) });
  scope.defer(() => child.stop());
  await child.waitFor(/"msg":"api is up"/, 120_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

export interface SimulatorRun {
  readonly child: Child;
  /** Resolves when the fleet is connected and publishing (its "simulator started" log line). */
  readonly started: Promise<void>;
  /** The JSON summary it prints last, once the run ends. */
  readonly summary: Promise<SimulatorSummary>;
}

/** `npm run simulate -- ARGS` in its own process. */
export function runSimulator(scope: Scope, args: readonly string[]): SimulatorRun {
  const child = spawnRole('simulate', args, { env: { LOG_LEVEL: 'info' }, nofile: 65_536 });
  scope.defer(() => child.stop());
  let last = '';
  child.onLine((line) => {
    if (line.startsWith('{"devices"')) last = line;
  });
  const started = child.waitFor(/"msg":"simulator started"/, 60_000).then(() => undefined);
  const summary = child.exited.then((code) => {
    if (code !== 0 || last === '') throw new Error(`simulator exited with ${code}:\n${child.output().slice(-2_000)}`);
    return JSON.parse(last) as SimulatorSummary;
  });
  // Nobody may await one of these if the run fails early; that must not become an unhandled rejection.
  started.catch(() => undefined);
  summary.catch(() => undefined);
  return { child, started, summary };
}

/** The simulator flags every scenario shares: one metric, so a reading is one stored value. */
export function simArgs(
  broker: Broker,
  o: { devices: number; qos: 0 | 1; batch?: number; rate?: number; count?: number; duration?: string; interval?: string; idPrefix: string },
): string[] {
  const args = [
    '--broker',
    broker.url,
    '--devices',
    String(o.devices),
    '--qos',
    String(o.qos),
    '--metrics',
    'temperature',
    '--seed',
    '42',
    '--id-prefix',
    o.idPrefix,
  ];
  if (o.batch && o.batch > 1) args.push('--batch', String(o.batch));
  if (o.rate !== undefined) args.push('--rate', String(o.rate));
  if (o.count !== undefined) args.push('--count', String(o.count));
  if (o.duration !== undefined) args.push('--duration', o.duration);
  if (o.interval !== undefined) args.push('--interval', o.interval);
  return args;
}

export interface Stack {
  readonly broker: Broker;
  readonly dir: string;
  readonly ingest: Child;
  readonly api: Api;
}

/**
 * Mosquitto, `npm run ingest` and `npm run api` on one SQLite store: the deployment the stream
 * scenarios measure. `prepare` may fill the store's directory before the processes open it.
 */
export async function startStack(
  scope: Scope,
  name: string,
  nofile?: number,
  prepare?: (dir: string) => Promise<void> | void,
): Promise<Stack> {
  const broker = await startBroker(scope);
  const dir = await scope.tempDir(name);
  await prepare?.(dir);
  const v: VigilEnv = { brokerUrl: broker.url, dir, store: 'sqlite', clientId: `bench-${name}-${process.pid}` };
  const ingest = await startIngest(scope, v);
  const api = await startApi(scope, v, nofile);
  return { broker, dir, ingest, api };
}
