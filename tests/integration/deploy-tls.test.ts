/**
 * The TLS recipe of docs/deploy.md, for real: the repo's mosquitto.conf with its commented TLS
 * lines switched on (paths rewritten for the test), a private CA, a device on mqtts:// with its
 * own credentials, and `npm run ingest` with MQTT_URL=mqtts://... trusting that CA through
 * NODE_EXTRA_CA_CERTS, the way docs/deploy.md tells operators to.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient, nextMessage } from '../helpers/mqtt.ts';
import { MOSQUITTO_PATH } from '../helpers/mosquitto.ts';
import { freePort, waitForPort } from '../helpers/ports.ts';
import { spawnServer, type Spawned } from '../helpers/process.ts';
import { eventually } from '../helpers/vigil.ts';
import { deviceAdd, MOSQUITTO_ACL, MOSQUITTO_CONF, parseEnv, parseJsonLine, ROOT, type FleetResult } from './deploy-support.ts';

let dir: string;
let broker: Spawned;
let ingest: Spawned | undefined;
let tlsUrl: string;
let ca: Buffer;
let secrets: Map<string, string>;

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A throwaway CA and a server certificate for 127.0.0.1, as an operator's private CA would issue. */
function makeCertificates(): void {
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=vigil-test-ca']);
  openssl(['req', ...ec, '-keyout', 'certs/server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'certs/server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  ]);
  ca = readFileSync(join(dir, 'ca.crt'));
}

/** The repo's config with its TLS lines uncommented; only ports and file paths change. */
function tlsConfig(plainPort: number, tlsPort: number): string {
  const rewrites: ReadonlyArray<readonly [RegExp, string]> = [
    [/^listener 1883$/m, `listener ${plainPort} 127.0.0.1`],
    [/^#listener 8883$/m, `listener ${tlsPort} 127.0.0.1`],
    [/^#certfile \/mosquitto\/auth\/certs\/server\.crt$/m, `certfile ${join(dir, 'certs', 'server.crt')}`],
    [/^#keyfile \/mosquitto\/auth\/certs\/server\.key$/m, `keyfile ${join(dir, 'certs', 'server.key')}`],
    [/^password_file \/mosquitto\/auth\/passwd$/m, `password_file ${join(dir, 'passwd')}`],
    [/^acl_file \/mosquitto\/auth\/acl$/m, `acl_file ${MOSQUITTO_ACL}`],
    [/^persistence_location \/mosquitto\/data\/$/m, `persistence_location ${join(dir, 'data')}/`],
  ];
  let conf = readFileSync(MOSQUITTO_CONF, 'utf8');
  for (const [pattern, line] of rewrites) {
    if (!pattern.test(conf)) throw new Error(`deploy/mosquitto/mosquitto.conf no longer has a line matching ${pattern}`);
    conf = conf.replace(pattern, line);
  }
  // As root, mosquitto would switch to its own user, which cannot read our 0600 temp files.
  return process.getuid?.() === 0 ? `${conf}\nuser root\n` : conf;
}

function startIngest(extraEnv: Record<string, string>): Spawned {
  return spawnServer(process.execPath, [join(ROOT, 'scripts', 'run.mjs'), 'ingest'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? dir,
      MQTT_URL: tlsUrl,
      MQTT_USERNAME: 'vigil-ingest',
      MQTT_PASSWORD: secrets.get('MQTT_INGEST_PASSWORD') ?? '',
      MQTT_CLIENT_ID: 'vigil-tls',
      INSTANCE_ID: 'tls-test',
      SQLITE_PATH: join(dir, 'vigil.db'),
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
  });
}

const exited = (proc: Spawned) =>
  new Promise<number | null>((resolve) =>
    proc.child.exitCode !== null ? resolve(proc.child.exitCode) : proc.child.once('exit', (code) => resolve(code)),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-deploy-tls-'));
  mkdirSync(join(dir, 'data'));
  makeCertificates();
  parseJsonLine<FleetResult>(deviceAdd(['--fleet', '1', '--file', join(dir, 'passwd'), '--compose-env', join(dir, '.env'), '--json']));
  secrets = parseEnv(readFileSync(join(dir, '.env'), 'utf8'));
  const plainPort = await freePort();
  const tlsPort = await freePort();
  tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
  writeFileSync(join(dir, 'mosquitto.conf'), tlsConfig(plainPort, tlsPort));
  broker = spawnServer(MOSQUITTO_PATH, ['-c', join(dir, 'mosquitto.conf')]);
  try {
    await waitForPort(tlsPort, 10_000);
  } catch (err) {
    throw new Error(`mosquitto did not start with TLS: ${(err as Error).message}\n${broker.output()}`);
  }
});

afterAll(async () => {
  await closeClients();
  await ingest?.stop();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const overTls = (username: string, password: string, options: IClientOptions = {}) =>
  connectClient(tlsUrl, { username, password, ca, ...options });

describe('MQTT over TLS with the repo config', () => {
  it('carries a device reading to ingest started with MQTT_URL=mqtts:// and NODE_EXTRA_CA_CERTS', async () => {
    const api = await overTls('vigil-api', secrets.get('MQTT_API_PASSWORD') ?? '', { clientId: 'tls-api' });
    await api.subscribeAsync(['vigil/stats/ingest', 'vigil/events/readings'], { qos: 1 });
    const ready = nextMessage(api, (m) => m.topic === 'vigil/stats/ingest' && m.payload.toString('utf8').includes('"tls-test"'), 20_000);
    ingest = startIngest({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt') });
    await ready.catch((err: Error) => {
      throw new Error(`${err.message}\n${ingest?.output() ?? ''}`);
    });
    const device = await overTls('sim-001', secrets.get('SIM_DEVICE_PASSWORD') ?? '', { clientId: 'sim-001' });
    const forwarded = nextMessage(api, (m) => m.topic === 'vigil/events/readings' && m.payload.toString('utf8').includes('"sim-001"'));
    await device.publishAsync('devices/sim-001/telemetry', JSON.stringify({ temperature: 19.25 }), { qos: 1 });
    const [entry] = JSON.parse((await forwarded).payload.toString('utf8')) as Array<{ device: string; values: Record<string, number> }>;
    expect(entry).toMatchObject({ device: 'sim-001', values: { temperature: 19.25 } });
    await ingest.stop();
  }, 40_000);

  it('refuses an ingest that does not trust the CA, with one line saying why', async () => {
    const untrusting = startIngest({ INSTANCE_ID: 'tls-untrusting' });
    const code = await eventually(
      async () => (untrusting.child.exitCode !== null ? untrusting.child.exitCode : undefined),
      20_000,
      'ingest exits',
    ).catch(async () => {
      await untrusting.stop();
      return exited(untrusting);
    });
    expect(code).toBe(1);
    expect(untrusting.output()).toMatch(/cannot start ingest: .*certificate/i);
  }, 30_000);

  it('refuses a device that speaks plain MQTT to the TLS port', async () => {
    await expect(
      connectClient(tlsUrl.replace('mqtts:', 'mqtt:'), {
        username: 'sim-001',
        password: secrets.get('SIM_DEVICE_PASSWORD') ?? '',
        connectTimeout: 2_000,
      }),
    ).rejects.toThrow();
  });
});
