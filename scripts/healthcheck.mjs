#!/usr/bin/env node
// Container health check for the Vigil image: `node scripts/healthcheck.mjs [api|ingest|start|simulate]`,
// exit 0 when healthy. Without a role it reads the role from PID 1's command line (the image's
// `node scripts/run.mjs <role>`, possibly behind docker's init), so one Dockerfile HEALTHCHECK
// fits every service.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TIMEOUT_MS = Number(process.env['HEALTHCHECK_TIMEOUT_MS'] ?? 4_000);
const ROLES = ['start', 'ingest', 'api', 'simulate', 'bench'];

function roleOfPid1() {
  try {
    const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const at = args.findIndex((arg) => arg.endsWith('run.mjs'));
    const role = at === -1 ? undefined : (args[at + 1] ?? 'start');
    return ROLES.includes(role) ? role : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process's own config, parsed by the same schema with the same defaults (lib/config.ts), so
 * the check looks at the very port, broker and instance the process uses and restates nothing.
 */
async function loadConfig() {
  const { tsImport } = await import('tsx/esm/api');
  const { parseConfig, primaryBrokerUrl } = await tsImport('../lib/config.ts', import.meta.url);
  const parsed = parseConfig(process.env);
  if (!parsed.ok) throw new Error(`bad config: ${parsed.errors.join('; ')}`);
  return { config: parsed.config, brokerUrl: primaryBrokerUrl(parsed.config) };
}

/** The API (or the all-in-one) answers /api/health with 200 only when broker and store are up. */
async function checkApi() {
  const { config } = await loadConfig();
  const res = await fetch(`http://127.0.0.1:${config.http.port}/api/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`/api/health answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

/**
 * The stats decoder of bus/ingest-stats.ts, the same one the API and the alerters use, loaded
 * through tsx as scripts/run.mjs loads the processes (tsx is a runtime dependency of the image).
 * Only the ingest check pays for it (0.8-1.9 s measured on a busy 2-core machine, well inside
 * the 6 s HEALTHCHECK timeout); the API check stays plain Node.
 */
async function statsDecoder() {
  const { register } = await import('tsx/esm/api');
  register();
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const { ingestStats } = await import(pathToFileURL(join(root, 'bus/ingest-stats.ts')).href);
  return ingestStats;
}

/**
 * Ingest has no HTTP port, but publishes its counters every second on vigil/stats/ingest. A
 * snapshot from this instance that decodes proves the process runs, is connected to the broker
 * and its event loop turns; a sibling replica's snapshot proves nothing about this one, and a
 * malformed one proves nothing at all, so both are ignored.
 */
async function checkIngest() {
  const stats = await statsDecoder();
  const { tsImport } = await import('tsx/esm/api');
  const { connectMqtt } = await tsImport('../lib/mqtt.ts', import.meta.url);
  const { config, brokerUrl } = await loadConfig();
  const me = config.instanceId;
  // The processes' own connect logic (lib/mqtt.ts). The check needs nothing of MQTT 5, and auto's
  // probe could spend 3 s of its 4 s on a broker that ignores v5, so auto means 3.1.1 here.
  const client = await connectMqtt(brokerUrl, {
    mqttProtocol: config.mqtt.protocol === '5' ? '5' : '3.1.1',
    startTimeoutMs: TIMEOUT_MS,
    clientId: `vigil-health-${me}-${process.pid}`.slice(0, 64),
    clean: true,
    connectTimeout: TIMEOUT_MS,
    reconnectPeriod: 0,
    ...(config.mqtt.username === undefined ? {} : { username: config.mqtt.username }),
    ...(config.mqtt.password === undefined ? {} : { password: config.mqtt.password }),
  });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no stats from ingest instance "${me}" within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      client.on('message', (_topic, payload) => {
        // decode never throws; only a valid snapshot from this instance counts.
        const decoded = stats.decode(payload);
        if (decoded.ok && decoded.value.instance === me) {
          clearTimeout(timer);
          resolve(undefined);
        }
      });
      client.subscribeAsync(stats.topic, { qos: stats.qos }).catch(reject);
    });
  } finally {
    await client.endAsync(true);
  }
}

async function check(role) {
  if (role === 'api' || role === 'start') return checkApi();
  if (role === 'ingest') return checkIngest();
  // The simulator and the benchmarks serve nothing: running is all there is to check, and a
  // crashed process ends the container anyway.
  if (role === 'simulate' || role === 'bench') return undefined;
  throw new Error(`unknown role ${JSON.stringify(role)} (expected ${ROLES.join(', ')})`);
}

const role = process.argv[2] ?? roleOfPid1();
if (role === undefined) {
  console.error('healthcheck: no role given and none found in /proc/1/cmdline');
  process.exit(1);
}
check(role).then(
  () => process.exit(0),
  (err) => {
    console.error(`healthcheck ${role}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
