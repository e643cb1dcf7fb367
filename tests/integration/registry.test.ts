/**
 * The device registry and the alarm table over the real all-in-one (embedded broker, SQLite
 * file): names and labels set over HTTP survive a restart; a name another process discovered
 * (ingest, here a second registry on the same file) reaches the stream as a `device` event;
 * bulk acknowledge over HTTP streams one `alert` event per alert, with the note, and sends each to
 * the webhook.
 */
import { createServer, type Server } from 'node:http';
import { EventSource } from 'eventsource';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../domain/alert.ts';
import type { DeviceEvent } from '../../domain/events.ts';
import type { DeviceView } from '../../domain/devices.ts';
import { AlertStore } from '../../alerts/alert-store.ts';
import { SqliteRegistry } from '../../store/registry-sqlite.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'registry-test-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

interface Delivery {
  event: string;
  alert: Alert;
}

async function webhookReceiver(): Promise<{ url: string; got: Delivery[]; close(): Promise<void> }> {
  const got: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push(JSON.parse(body) as Delivery);
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

function firing(id: string, startedAt: number): Alert {
  return {
    id,
    ruleId: 'r-bulk',
    device: 'reg-1',
    metric: 't',
    severity: 'critical',
    state: 'firing',
    acknowledged: false,
    value: 40,
    threshold: 30,
    startedAt,
    resolvedAt: null,
    ackedAt: null,
    ackNote: null,
    message: 't above 30',
  };
}

describe('device registry and bulk acknowledge', () => {
  let vigil: TestVigil;
  let device: MqttClient;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let source: EventSource;
  const deviceEvents: DeviceEvent[] = [];
  const alertEvents: Alert[] = [];

  const open = async () => {
    source = new EventSource(`${vigil.url}/api/stream?events=device,alert`);
    source.addEventListener('device', (e) => deviceEvents.push(JSON.parse(e.data as string) as DeviceEvent));
    source.addEventListener('alert', (e) => alertEvents.push(JSON.parse(e.data as string) as Alert));
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
  };

  beforeAll(async () => {
    hook = await webhookReceiver();
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN, ALERT_WEBHOOK_URL: hook.url });
    device = await connectClient(vigil.brokerUrl);
    await open();
  });
  afterAll(async () => {
    source?.close();
    await closeClients();
    await vigil?.dispose();
    await hook?.close();
  });

  it('sets a registry entry over HTTP, streams it, and keeps it across a restart', async () => {
    await device.publishAsync('devices/reg-1/telemetry', JSON.stringify({ t: 21.5 }), { qos: 1 });
    await eventually(
      async () => ((await getJson(`${vigil.url}/api/devices/reg-1`)).status === 200 ? true : undefined),
      5_000,
      'reg-1 stored',
    );
    const put = await fetch(`${vigil.url}/api/devices/reg-1`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ name: 'Boiler', labels: { site: 'berlin' }, units: { t: '°C' } }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      id: 'reg-1',
      name: 'Boiler',
      labels: { site: 'berlin' },
      units: { t: '°C' },
      status: 'online',
    });
    const pre = await fetch(`${vigil.url}/api/devices/later-1`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ name: 'Not yet' }),
    });
    expect(pre.status).toBe(200);
    await eventually(
      async () => (deviceEvents.some((e) => e.device === 'reg-1' && e.name === 'Boiler') ? true : undefined),
      3_000,
      'device event',
    );
    expect(deviceEvents.find((e) => e.device === 'reg-1' && e.name === 'Boiler')).toMatchObject({
      status: 'online',
      labels: { site: 'berlin' },
    });

    source.close();
    vigil = await vigil.restart();
    await open();
    const list = await getJson<DeviceView[]>(`${vigil.url}/api/devices?label=site:berlin`);
    expect(list.body.map((d) => [d.id, d.name, d.units])).toEqual([['reg-1', 'Boiler', { t: '°C' }]]);
    expect((await getJson<DeviceView>(`${vigil.url}/api/devices/later-1`)).body).toMatchObject({ name: 'Not yet', status: 'stale' });
    const all = await fetch(`${vigil.url}/api/devices?limit=1`);
    expect(all.headers.get('x-total-count')).toBe('2');
  });

  it('streams a name another process discovered, the operator value still winning', async () => {
    const ingestSide = new SqliteRegistry(vigil.config.store.sqlitePath);
    try {
      ingestSide.noteDiscovered({ device: 'reg-2', name: 'Found by a source', units: { h: '%' } });
      ingestSide.noteDiscovered({ device: 'reg-1', name: 'Source name', units: { h: '%' } });
    } finally {
      ingestSide.close();
    }
    await eventually(async () => (deviceEvents.some((e) => e.device === 'reg-2') ? true : undefined), 3_000, 'discovered device event');
    const one = await getJson<DeviceView>(`${vigil.url}/api/devices/reg-1`);
    expect(one.body).toMatchObject({ name: 'Boiler', units: { t: '°C', h: '%' } });
  });

  it('acknowledges several alerts in one request: each streamed and sent to the webhook with the note', async () => {
    const now = Date.now();
    // Stored as the alerter would, by another connection to the same file.
    const alerter = new AlertStore(vigil.config.store.sqlitePath);
    try {
      for (const [i, id] of ['bulkAAAAAAAAAAAAAAA1', 'bulkAAAAAAAAAAAAAAA2', 'bulkAAAAAAAAAAAAAAA3'].entries())
        alerter.recordTransition(firing(id, now - 60_000 + i * 1_000), now);
    } finally {
      alerter.close();
    }
    const res = await fetch(`${vigil.url}/api/alerts/ack`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ ids: ['bulkAAAAAAAAAAAAAAA1', 'bulkAAAAAAAAAAAAAAA3', 'missing'], note: 'pump replaced' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      acknowledged: ['bulkAAAAAAAAAAAAAAA1', 'bulkAAAAAAAAAAAAAAA3'],
      alreadyAcknowledged: [],
      notFound: ['missing'],
    });
    await eventually(async () => (alertEvents.length >= 2 ? true : undefined), 3_000, 'two alert events');
    expect(alertEvents.map((a) => [a.id, a.acknowledged, a.ackNote]).sort()).toEqual([
      ['bulkAAAAAAAAAAAAAAA1', true, 'pump replaced'],
      ['bulkAAAAAAAAAAAAAAA3', true, 'pump replaced'],
    ]);
    await eventually(async () => (hook.got.length >= 2 ? true : undefined), 5_000, 'two webhook deliveries');
    expect(hook.got.map((d) => [d.event, d.alert.id, d.alert.ackNote]).sort()).toEqual([
      ['acknowledged', 'bulkAAAAAAAAAAAAAAA1', 'pump replaced'],
      ['acknowledged', 'bulkAAAAAAAAAAAAAAA3', 'pump replaced'],
    ]);
    // Firing, critical, newest first; the unacknowledged one is still listed.
    const listed = await getJson<Alert[]>(`${vigil.url}/api/alerts?rule=r-bulk`);
    expect(listed.body.map((a) => [a.id, a.ackNote])).toEqual([
      ['bulkAAAAAAAAAAAAAAA3', 'pump replaced'],
      ['bulkAAAAAAAAAAAAAAA2', null],
      ['bulkAAAAAAAAAAAAAAA1', 'pump replaced'],
    ]);
  });
});
