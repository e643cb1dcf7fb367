/**
 * Device sources on the default setup (embedded broker, SQLite), with the test-only `site` source
 * (tests/helpers/test-source.ts) beside the native one: an outside mqtt.js device's readings on a
 * source topic are stored and counted in /api/sources and /metrics; a topic no source takes is
 * listed by /api/sources/unmatched with its payload cut to 1 KiB, and acknowledged; a source's
 * `configured` topics reach it through the tap; and a QoS 1 reading on a source topic is still
 * acknowledged only once durable, across a kill -9 (the embedded-durability approach); a second
 * ingest without a shared subscription (Aedes has none) warns once and shows in /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startIngest, type IngestHandle } from '../../ingest/index.ts';
import { parseConfig } from '../../lib/config.ts';
import type { SourceView, UnmatchedView } from '../../api/sources.ts';
import type { DeviceMeta } from '../../domain/devices.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { freePort } from '../helpers/ports.ts';
import { siteSource } from '../helpers/test-source.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');

describe('device sources on the embedded broker', () => {
  let vigil: TestVigil;
  let device: MqttClient;
  /** An in-memory DeviceMetaSink: what ingest hands the registry. */
  const discovered: DeviceMeta[] = [];

  beforeAll(async () => {
    const meta = { noteDiscovered: (m: DeviceMeta) => void discovered.push(m) };
    vigil = await startTestVigil({}, undefined, { ingest: { sources: [siteSource()], meta } });
    device = await connectClient(vigil.brokerUrl, { clientId: 'site-device' });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  const sources = async () => (await getJson<SourceView[]>(`${vigil.url}/api/sources`)).body;
  const unmatched = async () => (await getJson<UnmatchedView[]>(`${vigil.url}/api/sources/unmatched`)).body;

  it("stores a source's readings and shows its counters in /api/sources and /metrics", async () => {
    await device.publishAsync('site/boiler/value', '61.5', { qos: 1 });
    // The QoS 1 PUBACK came after the reading was durable: the shared store has it now.
    const { status, body } = await getJson<{ values: Record<string, { value: number }> }>(`${vigil.url}/api/devices/boiler`);
    expect(status).toBe(200);
    expect(body.values['value']?.value).toBe(61.5);
    expect(discovered).toContainEqual({ device: 'boiler', name: 'Site boiler', units: { value: '°C' } });
    await device.publishAsync('site/boiler/value', 'n/a', { qos: 1 });
    await device.publishAsync('site/bridge/state', '{"up":true}', { qos: 0 });
    await device.publishAsync('devices/native-1/telemetry', '{"t":1}', { qos: 1 });
    const site = await eventually(
      async () => (await sources()).find((s) => s.name === 'site' && s.counters.matched === 3),
      6_000,
      'site counters reported',
    );
    expect(site).toEqual({
      name: 'site',
      kind: 'custom',
      topics: ['site/+/value', 'site/+/status', 'site/+/config', 'site/bridge/#'],
      counters: { matched: 3, points: 1, skippedFields: 0, tsFallbacks: 0, ignored: 1, rejected: { bad_value: 1 } },
    });
    expect((await sources()).find((s) => s.name === 'vigil')).toMatchObject({
      kind: 'native',
      topics: ['devices/+/telemetry', 'devices/+/status'],
      counters: { matched: 1, points: 1 },
    });
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(metrics).toContain('vigil_source_messages_total{source="site"} 3');
    expect(metrics).toContain('vigil_source_points_total{source="site"} 1');
    expect(metrics).toContain('vigil_source_rejected_total{source="site",reason="bad_value"} 1');
    expect(metrics).toContain('vigil_source_messages_total{source="vigil"} 1');
    expect(metrics).toContain('vigil_ingest_duplicate_consumers 0');
    // The rejection took today's path too: /api/rejected has it.
    await eventually(
      async () =>
        (await getJson<{ topic: string; reason: string }[]>(`${vigil.url}/api/rejected`)).body.find(
          (r) => r.topic === 'site/boiler/value' && r.reason === 'bad_value',
        ),
      3_000,
      'rejection in /api/rejected',
    );
  });

  it('lists a topic no source takes, with its payload cut to 1 KiB, and acknowledges it', async () => {
    const big = `{"pad":"${'x'.repeat(4_000)}"}`;
    await device.publishAsync('acme/line-3/reading', '{"x":1}', { qos: 1 });
    // Acknowledged (publishAsync resolved): unmatched topics are not Vigil's to hold.
    await device.publishAsync('acme/line-3/reading', big, { qos: 1 });
    const entry = await eventually(
      async () => (await unmatched()).find((u) => u.topic === 'acme/line-3/reading' && u.count === 2),
      6_000,
      'unmatched topic listed',
    );
    expect(entry.payload).toBe(big.slice(0, 1024));
    expect(entry.lastSeen).toBeGreaterThanOrEqual(entry.firstSeen);
    expect(entry.suggested).toBeNull();
    // Vigil's own topics and the topics sources take are never listed.
    expect((await unmatched()).map((u) => u.topic).filter((t) => t.startsWith('vigil/') || t.startsWith('site/boiler'))).toEqual([]);
  });

  it("takes the topics a source's discovery message names", async () => {
    await device.publishAsync('site/pump/config', JSON.stringify({ state_topic: 'plant/pump/temperature' }), { qos: 1 });
    await device.publishAsync('plant/pump/temperature', '40.5', { qos: 1 });
    const { body } = await getJson<{ values: Record<string, { value: number }> }>(`${vigil.url}/api/devices/pump`);
    expect(body.values['value']?.value).toBe(40.5);
    const site = await eventually(
      async () => (await sources()).find((s) => s.name === 'site' && s.topics.includes('plant/pump/temperature')),
      6_000,
      'configured topic listed',
    );
    expect(site.topics).toContain('plant/pump/temperature');
    expect((await unmatched()).map((u) => u.topic)).not.toContain('plant/pump/temperature');
  });
});

describe('embedded broker: a source topic is acknowledged only once durable', () => {
  const TOTAL = 5_000;
  const STOP_AFTER_ACKS = 1_000;
  const DEVICE = 'durable-site';
  const runs: { child: ChildProcess; exited: Promise<void>; out: () => string }[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-src-durable-'));
  });
  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.exited));
    await rm(dir, { recursive: true, force: true });
  });

  async function started(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/integration/fixtures/site-vigil.ts'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', SIM_DEVICES: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const run = { child, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())), out: () => out };
    runs.push(run);
    await eventually(async () => (/Vigil is running at/.test(out) ? true : undefined), 30_000, `Vigil up (output: ${out})`);
    return run;
  }

  it('every reading acknowledged before a kill -9 is stored exactly once', async () => {
    const mqttPort = await freePort();
    const env = { PORT: String(await freePort()), MQTT_PORT: String(mqttPort), SQLITE_PATH: join(dir, 'vigil.db') };
    const first = await started(env);
    const publisher = connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'durable-site', reconnectPeriod: 0, connectTimeout: 5_000 });
    publisher.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      publisher.once('connect', () => resolve());
      publisher.once('error', reject);
    });
    const base = Date.now() - 3_600_000;
    const acked = new Set<number>();
    for (let i = 0; i < TOTAL; i++) {
      const ts = base + i;
      publisher.publish(`site/${DEVICE}/value`, `${i}@${ts}`, { qos: 1 }, (err) => {
        if (!err) acked.add(ts);
      });
    }
    await eventually(async () => (acked.size >= STOP_AFTER_ACKS ? true : undefined), 60_000, `${STOP_AFTER_ACKS} acknowledged`);
    first.child.kill('SIGKILL');
    await first.exited;
    publisher.end(true);
    const promised = new Set(acked);
    expect(promised.size).toBeLessThan(TOTAL);

    const second = await started(env);
    second.child.kill('SIGINT');
    await second.exited;
    const db = new Database(env.SQLITE_PATH, { readonly: true, fileMustExist: true });
    const rows = new Map(
      (db.prepare('SELECT ts, count(*) AS n FROM readings WHERE device = ? GROUP BY ts').all(DEVICE) as { ts: number; n: number }[]).map(
        (r) => [r.ts, r.n],
      ),
    );
    db.close();
    const lost = [...promised].filter((ts) => !rows.has(ts));
    const doubled = [...rows.values()].filter((n) => n !== 1);
    console.log(`site source, kill -9: acknowledged ${promised.size}, stored ${rows.size}, lost ${lost.length}`);
    expect({ lost: lost.length, doubled: doubled.length }).toEqual({ lost: 0, doubled: 0 });
  }, 120_000);
});

describe('a second ingest without shared subscriptions', () => {
  let vigil: TestVigil;
  let second: IngestHandle | undefined;
  let dir: string;

  beforeAll(async () => {
    vigil = await startTestVigil();
    dir = await mkdtemp(join(tmpdir(), 'vigil-second-'));
  });
  afterAll(async () => {
    await second?.stop();
    await vigil?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('warns once and each ingest says so in its own /metrics', async () => {
    const creds = vigil.serviceCredentials!;
    const parsed = parseConfig({
      MQTT_URL: vigil.brokerUrl,
      MQTT_USERNAME: creds.username,
      MQTT_PASSWORD: creds.password,
      MQTT_CLIENT_ID: vigil.config.mqtt.clientId,
      INSTANCE_ID: 'second-ingest',
      SQLITE_PATH: join(dir, 'second.db'),
      LOG_LEVEL: 'warn',
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    second = await startIngest(parsed.config, { logger });
    const text = await eventually(
      async () => {
        const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
        return /^vigil_ingest_duplicate_consumers 1$/m.test(metrics) ? metrics : undefined;
      },
      10_000,
      "the all-in-one's ingest reports a duplicate consumer",
    );
    expect(text).toContain('# TYPE vigil_ingest_duplicate_consumers gauge');
    // Each process counts itself (Prometheus sums the targets): the second one serves its own.
    await eventually(
      async () => (/^vigil_ingest_duplicate_consumers 1$/m.test(await second!.metrics.registry.metrics()) ? true : undefined),
      10_000,
      'the second ingest reports itself',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(lines.filter((l) => l.includes('without a shared subscription'))).toHaveLength(1);
  });
});
