/**
 * The compose broker for real: Debian's Mosquitto 2 runs the repo's mosquitto.conf and the repo's
 * ACL file (only listener, file and data paths are rewritten for a test on loopback), with a
 * password file made by `npm run device:add`. It proves a device can publish only as itself,
 * anonymous clients are refused, the service users get exactly what Vigil needs, and Vigil
 * (ingest + API in one process, as `npm start` with MQTT_URL) still receives everything.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient, nextMessage, type ReceivedMessage } from '../helpers/mqtt.ts';
import { MOSQUITTO_PATH } from '../helpers/mosquitto.ts';
import { freePort, waitForPort } from '../helpers/ports.ts';
import { spawnServer, type Spawned } from '../helpers/process.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';
import {
  composeConfig,
  deviceAdd,
  MOSQUITTO_ACL,
  MOSQUITTO_CONF,
  parseEnv,
  parseJsonLine,
  ROOT,
  service,
  type DeviceResult,
  type FleetResult,
} from './deploy-support.ts';

const execFileAsync = promisify(execFile);

interface DeviceView {
  id: string;
  status: string;
  values: Record<string, { value: number; ts: number }>;
}

let dir: string;
let port: number;
let url: string;
let broker: Spawned;
let vigil: TestVigil;
let secrets: Map<string, string>;
let boilerPassword: string;

/** The repo's config with only what a loopback test must change; every rewrite must match once. */
function testConfig(): string {
  const rewrites: ReadonlyArray<readonly [RegExp, string]> = [
    [/^listener 1883$/m, `listener ${port} 127.0.0.1`],
    [/^password_file \/mosquitto\/auth\/passwd$/m, `password_file ${join(dir, 'passwd')}`],
    // The ACL under test is the repo's file itself, not a copy.
    [/^acl_file \/mosquitto\/auth\/acl$/m, `acl_file ${MOSQUITTO_ACL}`],
    [/^persistence_location \/mosquitto\/data\/$/m, `persistence_location ${join(dir, 'data')}/`],
  ];
  let conf = readFileSync(MOSQUITTO_CONF, 'utf8');
  for (const [pattern, line] of rewrites) {
    if (!pattern.test(conf)) throw new Error(`deploy/mosquitto/mosquitto.conf no longer has a line matching ${pattern}`);
    conf = conf.replace(pattern, line);
  }
  // As root, mosquitto would switch to its own user, which cannot read our 0600 temp files (in
  // the container, start.sh hands them to that user).
  if (process.getuid?.() === 0) conf += '\nuser root\n';
  return conf;
}

const password = (key: string) => secrets.get(key) ?? '';
const asUser = (username: string, pw: string, options: IClientOptions = {}) => connectClient(url, { username, password: pw, ...options });
const simDevice = (id: string, options: IClientOptions = {}) => asUser(id, password('SIM_DEVICE_PASSWORD'), { clientId: id, ...options });

/** Everything a client receives, to assert later on what never came. */
function record(client: MqttClient): ReceivedMessage[] {
  const seen: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload, packet }));
  return seen;
}

async function devices(): Promise<DeviceView[]> {
  return (await getJson<DeviceView[]>(`${vigil.url}/api/devices`)).body;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-deploy-mosquitto-'));
  mkdirSync(join(dir, 'data'));
  const passwd = join(dir, 'passwd');
  const envFile = join(dir, '.env');
  parseJsonLine<FleetResult>(deviceAdd(['--fleet', '3', '--file', passwd, '--compose-env', envFile, '--json']));
  secrets = parseEnv(readFileSync(envFile, 'utf8'));
  // One device through Debian's mosquitto_passwd too: both writers must satisfy the real broker.
  boilerPassword =
    parseJsonLine<DeviceResult>(deviceAdd(['boiler-1', '--file', passwd, '--hasher', 'mosquitto_passwd', '--json'])).password ?? '';

  port = await freePort();
  url = `mqtt://127.0.0.1:${port}`;
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, testConfig());
  broker = spawnServer(MOSQUITTO_PATH, ['-c', conf]);
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    throw new Error(`mosquitto did not start with the repo config: ${(err as Error).message}\n${broker.output()}`);
  }
  vigil = await startTestVigil({
    MQTT_URL: url,
    MQTT_USERNAME: 'vigil-ingest',
    MQTT_PASSWORD: password('MQTT_INGEST_PASSWORD'),
    MQTT_CLIENT_ID: 'vigil-deploy',
  });
});

afterAll(async () => {
  await closeClients();
  await vigil?.dispose();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('who may connect', () => {
  it('refuses an anonymous client', async () => {
    await expect(connectClient(url, { clientId: 'anonymous-1' })).rejects.toThrow(/not authori[sz]ed/i);
  });

  it('refuses a device with a wrong password, and a device user under another client id still works', async () => {
    await expect(asUser('sim-001', 'not-the-password-at-all')).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
    await expect(asUser('boiler-1', boilerPassword, { clientId: 'boiler-1' })).resolves.toBeDefined();
  });
});

describe('a device publishes only as itself', () => {
  it('reaches the ingest service user under its own id, never under another device id or a Vigil topic', async () => {
    const watcher = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { clientId: 'watch-ingest' });
    await watcher.subscribeAsync(['devices/+/telemetry', 'devices/+/status', 'vigil/events/readings'], { qos: 1 });
    const seen = record(watcher);
    const device = await simDevice('sim-001');
    const own = nextMessage(watcher, (m) => m.topic === 'devices/sim-001/telemetry');
    // Same connection, QoS 1, in order: had the broker let the spoofs through, they would arrive first.
    await device.publishAsync('devices/sim-002/telemetry', JSON.stringify({ temperature: -99 }), { qos: 1 });
    await device.publishAsync('devices/sim-002/status', 'offline', { qos: 1, retain: true });
    await device.publishAsync(
      'vigil/events/readings',
      JSON.stringify([{ device: 'sim-002', ts: Date.now(), values: { temperature: -99 } }]),
      { qos: 1 },
    );
    await device.publishAsync('devices/sim-001/telemetry', JSON.stringify({ temperature: 21.5 }), { qos: 1 });
    expect(JSON.parse((await own).payload.toString('utf8'))).toEqual({ temperature: 21.5 });
    expect(seen.filter((m) => m.topic.includes('sim-002') || m.payload.toString('utf8').includes('sim-002'))).toEqual([]);
  });

  it('cannot read other devices', async () => {
    const snoop = await simDevice('sim-003');
    await snoop.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const seen = record(snoop);
    const watcher = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { clientId: 'watch-snoop' });
    await watcher.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const device = await asUser('boiler-1', boilerPassword, { clientId: 'boiler-1-snooped' });
    const delivered = nextMessage(watcher, (m) => m.topic === 'devices/boiler-1/telemetry');
    await device.publishAsync('devices/boiler-1/telemetry', '{"t":1}', { qos: 1 });
    await delivered;
    // The broker delivers one publish to all its subscribers in the same pass; give the socket a moment.
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
  });
});

describe('Vigil behind the ACL', () => {
  it('stores a device reading and shows it in GET /api/devices, without the spoofed device', async () => {
    const device = await simDevice('sim-001', {
      clientId: 'sim-001',
      will: { topic: 'devices/sim-001/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await device.publishAsync('devices/sim-001/status', 'online', { qos: 1, retain: true });
    await device.publishAsync('devices/sim-002/telemetry', JSON.stringify({ humidity: 1 }), { qos: 1 });
    await device.publishAsync('devices/sim-001/telemetry', JSON.stringify({ humidity: 40.2 }), { qos: 1 });
    const listed = await eventually(
      async () => {
        const all = await devices();
        return all.find((d) => d.id === 'sim-001' && d.values['humidity']?.value === 40.2) ? all : undefined;
      },
      5_000,
      'sim-001 in /api/devices',
    );
    expect(listed.find((d) => d.id === 'sim-001')?.status).toBe('online');
    expect(listed.map((d) => d.id)).not.toContain('sim-002');
  });

  it('receives a device last will (offline), which the ACL lets the device set on its own status', async () => {
    const device = await asUser('boiler-1', boilerPassword, {
      clientId: 'boiler-1',
      will: { topic: 'devices/boiler-1/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await device.publishAsync('devices/boiler-1/telemetry', JSON.stringify({ pressure: 1.5 }), { qos: 1 });
    await eventually(
      async () => ((await devices()).find((d) => d.id === 'boiler-1' && d.values['pressure']) ? true : undefined),
      5_000,
      'boiler-1 stored',
    );
    // A dropped connection, not a clean DISCONNECT: only then does the broker publish the will.
    device.stream.destroy();
    await eventually(
      async () => ((await devices()).find((d) => d.id === 'boiler-1')?.status === 'offline' ? true : undefined),
      5_000,
      'boiler-1 offline',
    );
  });

  it('stores what the compose simulator publishes with the fleet credentials', async () => {
    // The simulator service exactly as docker-compose.yml resolves it with this fleet's .env,
    // pointed at the test broker and told to stop after a few messages.
    const sim = service(composeConfig(join(dir, '.env')).config, 'simulator');
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? dir };
    for (const [key, value] of Object.entries(sim.environment ?? {})) if (value !== null) env[key] = value;
    expect(env['MQTT_USERNAME']).toBe('{id}');
    const proc = spawnServer(
      process.execPath,
      [join(ROOT, 'scripts', 'run.mjs'), ...(sim.command ?? []), '--interval', '100ms', '--count', '9'],
      {
        cwd: ROOT,
        env: { ...env, MQTT_URL: url, LOG_LEVEL: 'warn' },
      },
    );
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code, proc.output()).toBe(0);
    const listed = await eventually(
      async () => {
        const all = await devices();
        return ['sim-002', 'sim-003'].every((id) => Object.keys(all.find((d) => d.id === id)?.values ?? {}).length > 0) ? all : undefined;
      },
      5_000,
      'the simulated devices in /api/devices',
    );
    expect(listed.filter((d) => d.id.startsWith('sim-')).length).toBe(3);
  }, 30_000);

  it('lets ingest replicas share the device topics through an MQTT v5 shared subscription', async () => {
    // A group of our own: Vigil's ingest is already a member of "vigil" and would take its turn.
    const clients = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const client = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { clientId: `share-${name}`, protocolVersion: 5 });
        await client.subscribeAsync('$share/acl-check/devices/+/telemetry', { qos: 1 });
        return client;
      }),
    );
    const replicas = clients.map(record);
    const device = await simDevice('sim-003', { clientId: 'sim-003-shared' });
    for (let i = 0; i < 10; i++) await device.publishAsync('devices/sim-003/telemetry', JSON.stringify({ n: i }), { qos: 1 });
    const counts = await eventually(
      async () => {
        const mine = replicas.map((seen) => seen.filter((m) => m.topic === 'devices/sim-003/telemetry').length);
        return mine[0]! + mine[1]! === 10 ? mine : undefined;
      },
      5_000,
      'all 10 readings across the two replicas',
    );
    // Mosquitto hands each message to one member of the group, in turn.
    expect(counts).toEqual([5, 5]);
    await Promise.all(clients.map((client) => client.endAsync()));
  });

  it('gives the API service user the Vigil topics to read, and only rule changes and alerts to write', async () => {
    const api = await asUser('vigil-api', password('MQTT_API_PASSWORD'), { clientId: 'api-check' });
    await api.subscribeAsync(['vigil/events/readings', 'devices/+/telemetry'], { qos: 1 });
    const seen = record(api);
    const watcher = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { clientId: 'watch-api' });
    await watcher.subscribeAsync(['vigil/events/readings', 'vigil/rules/changed', 'vigil/events/alert'], { qos: 1 });
    const heard = record(watcher);
    // A forged event from the API user, published and acknowledged before the real reading exists.
    await api.publishAsync('vigil/events/readings', JSON.stringify([{ device: 'forged-by-api', ts: Date.now(), values: { x: 1 } }]), {
      qos: 1,
    });
    const forwarded = nextMessage(api, (m) => m.topic === 'vigil/events/readings' && m.payload.toString('utf8').includes('"sim-001"'));
    const device = await simDevice('sim-001', { clientId: 'sim-001-api' });
    await device.publishAsync('devices/sim-001/telemetry', JSON.stringify({ co2: 410 }), { qos: 1 });
    await forwarded;
    // The raw device message would have reached it before ingest's forward of the same reading.
    expect(seen.filter((m) => m.topic.startsWith('devices/'))).toEqual([]);
    expect(heard.filter((m) => m.payload.toString('utf8').includes('forged-by-api'))).toEqual([]);
    // What the API does publish (api/routes/rules.ts, api/routes/alerts.ts) gets through.
    const changed = nextMessage(watcher, (m) => m.topic === 'vigil/rules/changed');
    await api.publishAsync('vigil/rules/changed', JSON.stringify({ at: Date.now() }), { qos: 1 });
    await changed;
    const acked = nextMessage(watcher, (m) => m.topic === 'vigil/events/alert');
    await api.publishAsync('vigil/events/alert', JSON.stringify({ id: 'ack-check', acknowledged: true }), { qos: 1 });
    await acked;
  });
});

describe('what ingest scale-out meets in Mosquitto', () => {
  it("keeps routing a shared subscription's share to a member whose persistent session is offline", async () => {
    // Why docs/deploy.md warns about orphaned ingest sessions: a replica that never returns
    // under the same client id holds its share of readings until its session expires.
    const options = { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } } as const;
    const away = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { ...options, clientId: 'orphan-a' });
    await away.subscribeAsync('$share/orphan-check/devices/+/telemetry', { qos: 1 });
    await away.endAsync();
    const online = await asUser('vigil-ingest', password('MQTT_INGEST_PASSWORD'), { clientId: 'orphan-b', protocolVersion: 5 });
    await online.subscribeAsync('$share/orphan-check/devices/+/telemetry', { qos: 1 });
    const live = record(online);
    const device = await simDevice('sim-003', { clientId: 'sim-003-orphan' });
    for (let i = 0; i < 4; i++) await device.publishAsync('devices/sim-003/telemetry', JSON.stringify({ orphan: i }), { qos: 1 });
    // Listening before CONNACK: the queued messages follow it at once.
    const back = mqtt.connect(url, {
      username: 'vigil-ingest',
      password: password('MQTT_INGEST_PASSWORD'),
      ...options,
      clientId: 'orphan-a',
      reconnectPeriod: 0,
    });
    const queued = record(back);
    const split = await eventually(
      async () => {
        const counts = [live, queued].map((seen) => seen.filter((m) => m.payload.toString('utf8').includes('orphan')).length);
        return counts[0]! + counts[1]! === 4 ? counts : undefined;
      },
      5_000,
      'the 4 readings, online and queued',
    );
    expect(split).toEqual([2, 2]);
    await back.endAsync(true);
  });
});

describe('the compose health checks against this broker and Vigil', () => {
  it('the broker check: the health user reads $SYS/broker/uptime', async () => {
    const { stdout } = await execFileAsync(
      'mosquitto_sub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-u',
        'vigil-health',
        '-P',
        password('MQTT_HEALTH_PASSWORD'),
        '-t',
        '$SYS/broker/uptime',
        '-C',
        '1',
        '-W',
        '3',
      ],
      { timeout: 10_000 },
    );
    expect(stdout).toMatch(/^\d+ seconds/);
  });

  const healthcheck = (role: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'healthcheck.mjs'), role], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  it('the ingest check: sees this instance publish its stats, and not a missing one', async () => {
    const env = {
      MQTT_URL: url,
      MQTT_USERNAME: 'vigil-ingest',
      MQTT_PASSWORD: password('MQTT_INGEST_PASSWORD'),
      HEALTHCHECK_TIMEOUT_MS: '3000',
    };
    const ok = await healthcheck('ingest', { ...env, INSTANCE_ID: vigil.config.instanceId });
    expect(ok.code, ok.stderr).toBe(0);
    const missing = await healthcheck('ingest', { ...env, INSTANCE_ID: 'replica-that-is-gone' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no stats from ingest instance "replica-that-is-gone"');
  });

  it('the api check: GET /api/health answers 200', async () => {
    const ok = await healthcheck('api', { PORT: String(vigil.config.http.port) });
    expect(ok.code, ok.stderr).toBe(0);
  });
});
