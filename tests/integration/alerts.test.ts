/**
 * Alerts end to end through a real broker (the embedded Aedes) and SQLite: a rule created over
 * HTTP fires once, streams firing then resolved over SSE, is acknowledged; an active alert
 * survives a restart; a webhook that fails its first calls still gets every transition; and
 * preview over stored history gives the transitions the live path produced.
 */
import { createServer, type Server } from 'node:http';
import { EventSource } from 'eventsource';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../domain/alert.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'alerts-test-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

interface Delivery {
  deliveryId: string;
  event: string;
  alert: Alert;
  link: string;
}

/** A webhook receiver that refuses its first `failures` calls. */
async function webhookReceiver(failures: number): Promise<{ url: string; got: Delivery[]; calls: () => number; close(): Promise<void> }> {
  const got: Delivery[] = [];
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls++;
      if (calls <= failures) {
        res.writeHead(500).end();
        return;
      }
      got.push(JSON.parse(body) as Delivery);
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/hook`, got, calls: () => calls, close: () => new Promise((r) => server.close(() => r())) };
}

describe('alerts', () => {
  let vigil: TestVigil;
  let device: MqttClient;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  const events: Alert[] = [];
  let source: EventSource;
  const base = Date.now() - 600_000;

  const send = (s: number, t: number) =>
    device.publishAsync('devices/al-1/telemetry', JSON.stringify({ ts: base + s * 1000, t }), { qos: 1 });

  beforeAll(async () => {
    hook = await webhookReceiver(2);
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN, ALERT_WEBHOOK_URL: hook.url });
    device = await connectClient(vigil.brokerUrl);
    source = new EventSource(`${vigil.url}/api/stream?events=alert`);
    source.addEventListener('alert', (e) => events.push(JSON.parse(e.data as string) as Alert));
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
    // Evaluation starts once ingest has elected itself; /metrics says when.
    await eventually(
      async () => (/^vigil_alert_leader 1$/m.test(await (await fetch(`${vigil.url}/metrics`)).text()) ? true : undefined),
      10_000,
      'alert leader',
    );
  });
  afterAll(async () => {
    source?.close();
    await closeClients();
    await vigil?.dispose();
    await hook?.close();
  });

  it('validates rules and needs the operator token to change them', async () => {
    const bad = await fetch(`${vigil.url}/api/rules`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'x', type: 'threshold', metric: 't', op: 'above' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'invalid_rule', message: expect.stringContaining('value'), field: 'value' } });
    const anonymous = await fetch(`${vigil.url}/api/rules`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
  });

  it('fires once, resolves past the hysteresis, streams both, and is acknowledged', async () => {
    const created = await fetch(`${vigil.url}/api/rules`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'hot',
        type: 'threshold',
        device: 'al-*',
        metric: 't',
        op: 'above',
        value: 30,
        hysteresis: 2,
        for: 2,
        severity: 'critical',
      }),
    });
    expect(created.status).toBe(201);
    const rule = (await created.json()) as { id: string };
    // The rule reaches ingest within 2 s.
    await new Promise((r) => setTimeout(r, 2_000));

    // 31 at 0 s and 1 s: not yet `for` 2 s; 2 s: fires; 29..28.5: inside the band; 27: resolves.
    for (const [s, t] of [
      [0, 31],
      [1, 32],
      [2, 31],
      [3, 29],
      [4, 30.5],
      [5, 28.5],
      [6, 27],
      [7, 29],
    ] as const)
      await send(s, t);
    await eventually(async () => (events.some((a) => a.state === 'resolved') ? true : undefined), 5_000, 'resolved event');
    expect(events.map((a) => [a.state, a.startedAt - base, a.resolvedAt === null ? null : a.resolvedAt - base])).toEqual([
      ['firing', 2_000, null],
      ['resolved', 2_000, 6_000],
    ]);
    expect(events[0]).toMatchObject({
      ruleId: rule.id,
      device: 'al-1',
      metric: 't',
      severity: 'critical',
      value: 31,
      threshold: 30,
      acknowledged: false,
    });

    const id = events[0]!.id;
    expect((await fetch(`${vigil.url}/api/alerts/${id}/ack`, { method: 'POST' })).status).toBe(401);
    const acked = await fetch(`${vigil.url}/api/alerts/${id}/ack`, { method: 'POST', headers: auth });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ id, acknowledged: true, state: 'resolved' });
    await eventually(async () => (events.some((a) => a.acknowledged) ? true : undefined), 3_000, 'ack event');
    expect((await fetch(`${vigil.url}/api/alerts/nope/ack`, { method: 'POST', headers: auth })).status).toBe(404);

    const all = await getJson<Alert[]>(`${vigil.url}/api/alerts?state=all`);
    expect(all.body.map((a) => a.id)).toEqual([id]);
    expect((await getJson<Alert[]>(`${vigil.url}/api/alerts`)).body).toEqual([]);
  });

  it('delivers every transition to a webhook that failed its first calls, each once', async () => {
    const got = await eventually(
      async () => (hook.got.length >= 3 ? hook.got : undefined),
      15_000,
      `3 deliveries (have ${hook.got.length}, calls ${hook.calls()})`,
    );
    // The alerter (fired, resolved) and the API (acknowledged) send on their own, so in any order.
    expect(got.map((d) => d.event).sort()).toEqual(['acknowledged', 'fired', 'resolved']);
    expect(new Set(got.map((d) => d.deliveryId)).size).toBe(3);
    expect(got[0]!.link).toMatch(/\/devices\/al-1\?from=\d+&to=\d+$/);
    expect(hook.calls()).toBe(5);
    // The two refusals are counted in /metrics, by whichever sender met them (alerter or API).
    await eventually(
      async () => {
        const text = await (await fetch(`${vigil.url}/metrics`)).text();
        const sum = [...text.matchAll(/^vigil_(?:api_)?webhook_failures_total(?:\{[^}]*\})? (\d+)$/gm)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
        return sum === 2 ? true : undefined;
      },
      3_000,
      'failures counted',
    );
  });

  it('previews the same transitions the live path produced', async () => {
    const rules = await getJson<Record<string, unknown>[]>(`${vigil.url}/api/rules`);
    const { id: _id, ...rule } = rules.body[0]!;
    const res = await fetch(`${vigil.url}/api/rules/preview`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ rule, from: base - 1000, to: base + 60_000 }),
    });
    expect(res.status).toBe(200);
    const preview = (await res.json()) as { transitions: { kind: string; device: string; ts: number; startedAt: number }[] };
    expect(preview.transitions.map((t) => [t.kind, t.device, t.ts - base, t.startedAt - base])).toEqual([
      ['fired', 'al-1', 2_000, 2_000],
      ['resolved', 'al-1', 6_000, 2_000],
    ]);
  });

  it('keeps an active alert active across a restart of ingest and the API', async () => {
    await send(20, 35);
    await send(23, 36);
    const firing = await eventually(
      async () => {
        const { body } = await getJson<Alert[]>(`${vigil.url}/api/alerts?state=active`);
        return body.length === 1 ? body[0] : undefined;
      },
      5_000,
      'active alert',
    );
    vigil = await vigil.restart();
    const after = await getJson<Alert[]>(`${vigil.url}/api/alerts?state=active`);
    expect(after.body).toEqual([firing]);
    // The restored evaluator still knows it is firing: a value in the band does not re-fire or resolve.
    await eventually(
      async () => (/^vigil_alert_leader 1$/m.test(await (await fetch(`${vigil.url}/metrics`)).text()) ? true : undefined),
      10_000,
      'leader again',
    );
    device = await connectClient(vigil.brokerUrl);
    await send(24, 29);
    await send(25, 20);
    const resolved = await eventually(
      async () => {
        const { body } = await getJson<Alert[]>(`${vigil.url}/api/alerts?state=all&device=al-1`);
        const again = body.find((a) => a.id === firing!.id);
        return again?.state === 'resolved' ? body : undefined;
      },
      5_000,
      'resolved after restart',
    );
    expect(resolved.filter((a) => a.state === 'firing')).toEqual([]);
    expect(resolved.find((a) => a.id === firing!.id)?.resolvedAt).toBe(base + 25_000);
  });
});
