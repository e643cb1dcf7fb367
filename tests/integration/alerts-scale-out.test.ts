/**
 * Alerts stay correct when ingest is scaled out: two ingest processes split one device's
 * readings through a shared subscription on a real Mosquitto, one of them is elected to
 * evaluate, and each transition happens exactly once. When the leader dies, the other takes
 * over from the saved state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startApi, type ApiHandle } from '../../api/index.ts';
import type { Alert } from '../../domain/alert.ts';
import { parseConfig } from '../../lib/config.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually, getJson } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');
const TOKEN = 'scale-alerts-token-0123456789';

describe('alerts with two ingest processes', () => {
  let mosquitto: MosquittoServer;
  let dir: string;
  let api: ApiHandle;
  const ingest = new Map<string, ChildProcess>();
  /** Each ingest serves its own /metrics (INGEST_METRICS_PORT): one Prometheus target per replica. */
  const metricsPorts = new Map<string, number>();

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'vigil-scale-alerts-'));
    const env = { MQTT_URL: mosquitto.url, SQLITE_PATH: join(dir, 'vigil.db'), VIGIL_TOKEN: TOKEN, LOG_LEVEL: 'silent' };
    for (const instance of ['a', 'b']) {
      metricsPorts.set(instance, await freePort());
      ingest.set(
        instance,
        spawn(process.execPath, ['scripts/run.mjs', 'ingest'], {
          cwd: root,
          env: {
            ...process.env,
            ...env,
            INSTANCE_ID: instance,
            INGEST_METRICS_PORT: String(metricsPorts.get(instance)),
            LOG_LEVEL: 'error',
          },
          stdio: 'ignore',
        }),
      );
    }
    const parsed = parseConfig({ ...env, PORT: String(await freePort()) });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    api = await startApi(parsed.config);
  });
  afterAll(async () => {
    for (const child of ingest.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await closeClients();
    await api?.stop();
    await mosquitto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The instances whose own /metrics says they lead; a dead one does not answer. */
  const leaders = async () => {
    const leading: string[] = [];
    for (const [instance, port] of metricsPorts) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (/^vigil_alert_leader 1$/m.test(text)) leading.push(instance);
    }
    return leading;
  };
  const alerts = async () => (await getJson<Alert[]>(`${api.url}/api/alerts?state=all&device=sc-1`)).body;

  it('elects one evaluator and produces each transition once, also across a leader failure', async () => {
    await eventually(async () => ((await leaders()).join() === 'a' ? true : undefined), 20_000, 'instance a leads');
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const rule = { name: 'hot', type: 'threshold', device: 'sc-*', metric: 't', op: 'above', value: 30, hysteresis: 1 };
    expect((await fetch(`${api.url}/api/rules`, { method: 'POST', headers, body: JSON.stringify(rule) })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_000));

    const device = await connectClient(mosquitto.url);
    const base = Date.now() - 600_000;
    // 200 readings, split by the broker across both ingest processes: one excursion above 30.
    for (let i = 0; i < 200; i++) {
      const t = i >= 50 && i < 100 ? 35 : 20;
      await device.publishAsync('devices/sc-1/telemetry', JSON.stringify({ ts: base + i * 1000, t }), { qos: 1 });
    }
    const first = await eventually(
      async () => {
        const list = await alerts();
        return list.length === 1 && list[0]!.state === 'resolved' ? list : undefined;
      },
      10_000,
      'one alert, fired then resolved',
    );
    expect(first[0]).toMatchObject({ startedAt: base + 50_000, resolvedAt: base + 100_000 });

    // The leader dies; b takes over and evaluates the next excursion once.
    ingest.get('a')!.kill('SIGKILL');
    // Look for b's claim (a's /metrics died with it).
    await eventually(async () => ((await leaders()).includes('b') ? true : undefined), 15_000, 'instance b leads');
    for (let i = 200; i < 300; i++) {
      const t = i >= 250 && i < 260 ? 40 : 20;
      await device.publishAsync('devices/sc-1/telemetry', JSON.stringify({ ts: base + i * 1000, t }), { qos: 1 });
    }
    const both = await eventually(
      async () => {
        const list = await alerts();
        return list.length === 2 && list.every((a) => a.state === 'resolved') ? list : undefined;
      },
      15_000,
      'second alert resolved',
    );
    // Mosquitto keeps handing a share of the group's messages to a's (offline, persistent)
    // session, so b may not see the excursion's first or last reading until a returns
    // (docs/ingest.md): the alert is still one alert, within a reading or two of the edges.
    const [second, firstAgain] = both;
    expect(firstAgain).toMatchObject({ startedAt: base + 50_000, resolvedAt: base + 100_000 });
    expect(second!.startedAt - base).toBeGreaterThanOrEqual(250_000);
    expect(second!.startedAt - base).toBeLessThan(255_000);
    expect(second!.resolvedAt! - base).toBeGreaterThanOrEqual(260_000);
    expect(second!.resolvedAt! - base).toBeLessThan(265_000);

    // a comes back under its id, drains what the broker kept for it, and nothing is lost.
    ingest.set(
      'a2',
      spawn(process.execPath, ['scripts/run.mjs', 'ingest'], {
        cwd: root,
        env: { ...process.env, MQTT_URL: mosquitto.url, SQLITE_PATH: join(dir, 'vigil.db'), INSTANCE_ID: 'a', LOG_LEVEL: 'error' },
        stdio: 'ignore',
      }),
    );
    const csvLines = async () =>
      (await (await fetch(`${api.url}/api/devices/sc-1/readings.csv?from=${base}&to=${base + 300_000}`)).text()).trim().split('\n').length -
      1;
    await eventually(async () => ((await csvLines()) === 300 ? true : undefined), 20_000, 'all 300 readings stored');
    expect(await alerts()).toHaveLength(2);
  }, 90_000);
});
