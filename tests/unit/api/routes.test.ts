/**
 * The API routes over the in-memory store, driven through buildApp()'s app.callback() with no
 * port (inject.ts). The full matrix over real HTTP and real servers stays in
 * tests/integration/api-routes.test.ts; these cover what each route does with the data.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import type { TelemetryEntry } from '../../../domain/reading.ts';
import { VIGIL_TOPICS } from '../../../bus/topics.ts';
import { apiHarness, NOW, TOKEN, type ApiHarness } from './harness.ts';

const RULE = { name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30 };

function entry(device: string, ts: number, values: Record<string, number>): TelemetryEntry {
  return { device, ts, values };
}

function firing(id: string, device = 'dev-1'): Alert {
  return {
    id,
    ruleId: 'r-1',
    device,
    metric: 't',
    severity: 'warning',
    state: 'firing',
    acknowledged: false,
    value: 31,
    threshold: 30,
    startedAt: NOW - 5_000,
    resolvedAt: null,
    ackedAt: null,
    ackNote: null,
    message: 't above 30',
  };
}

let api: ApiHarness;
beforeEach(() => {
  api = apiHarness();
});
afterEach(async () => {
  await api.close();
});

describe('devices', () => {
  it('lists devices with their state and latest values', async () => {
    api.store.appendSync([entry('dev-1', NOW - 2_000, { t: 21.5, h: 40 })], NOW - 1_000);
    api.store.appendSync([entry('dev-2', NOW - 600_000, { t: 19 })], NOW - 600_000);
    await api.store.recordStatus('dev-3', 'offline', NOW - 10_000);
    const res = await api.request({ path: '/api/devices' });
    expect(res.status).toBe(200);
    const none = { name: null, labels: {}, units: {} };
    expect(res.json).toEqual([
      {
        id: 'dev-1',
        ...none,
        status: 'online',
        lastSeen: NOW - 1_000,
        values: { h: { value: 40, ts: NOW - 2_000 }, t: { value: 21.5, ts: NOW - 2_000 } },
      },
      { id: 'dev-2', ...none, status: 'stale', lastSeen: NOW - 600_000, values: { t: { value: 19, ts: NOW - 600_000 } } },
      { id: 'dev-3', ...none, status: 'offline', lastSeen: null, values: {} },
    ]);
  });

  it('answers one device, and 404 for an unknown or illegal id', async () => {
    api.store.appendSync([entry('dev-1', NOW, { t: 1 })], NOW);
    expect((await api.request({ path: '/api/devices/dev-1' })).json).toMatchObject({ id: 'dev-1', status: 'online' });
    for (const path of ['/api/devices/nobody', '/api/devices/bad%20id', '/api/devices/%E0%A4%A']) {
      const res = await api.request({ path });
      expect(res.status, path).toBe(404);
      expect(res.json, path).toMatchObject({ error: { code: 'not_found' } });
    }
  });
});

describe('readings', () => {
  beforeEach(() => {
    const start = NOW - 3_600_000;
    const entries: TelemetryEntry[] = [];
    for (let i = 0; i < 60; i++) entries.push(entry('dev-1', start + i * 60_000, { t: i, h: 100 - i }));
    api.store.appendSync(entries, NOW);
  });

  it('buckets history at the step chosen for the points asked', async () => {
    const from = NOW - 3_600_000;
    const res = await api.request({ path: `/api/devices/dev-1/readings?from=${from}&to=${NOW}&points=7&metrics=t` });
    expect(res.status).toBe(200);
    const body = res.json as { step: number; from: number; to: number; series: Record<string, [number, number, number, number][]> };
    expect(body).toMatchObject({ from, to: NOW, step: 600_000 });
    expect(Object.keys(body.series)).toEqual(['t']);
    const buckets = body.series['t']!;
    expect(buckets.every(([ts]) => ts % 600_000 === 0)).toBe(true);
    expect(buckets.reduce((n, [, , lo, hi]) => n + (hi - lo >= 0 ? 1 : 0), 0)).toBe(buckets.length);
    expect(buckets[0]![2]).toBe(0);
    expect(buckets.at(-1)![3]).toBe(59);
  });

  it('defaults to the last hour and every metric', async () => {
    const body = (await api.request({ path: '/api/devices/dev-1/readings' })).json as {
      from: number;
      to: number;
      series: Record<string, unknown>;
    };
    expect(body.to).toBe(NOW);
    expect(body.from).toBe(NOW - 3_600_000);
    expect(Object.keys(body.series).sort()).toEqual(['h', 't']);
  });

  it('exports raw readings as CSV, by ts then metric', async () => {
    const from = NOW - 3_600_000;
    const res = await api.request({ path: `/api/devices/dev-1/readings.csv?from=${from}&to=${from + 60_000}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="dev-1.csv"');
    expect(res.text).toBe(`ts,metric,value\n${from},h,100\n${from},t,0\n${from + 60_000},h,99\n${from + 60_000},t,1\n`);
  });

  it.each([
    ['?from=yesterday', 400, 'bad_time'],
    ['?to=2026-01-01T10:00:00', 400, 'bad_time'],
    ['?from=-1h&to=-2h', 400, 'bad_range'],
    ['?from=now-1h&to=now-2h', 400, 'bad_range'],
    ['?points=5001', 400, 'bad_points'],
    ['?points=0', 400, 'bad_points'],
    ['?metrics=1x', 400, 'bad_metrics'],
  ])('refuses %s with %i %s', async (query, status, code) => {
    const res = await api.request({ path: `/api/devices/dev-1/readings${query}` });
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ error: { code } });
  });

  it('answers 404 for readings and CSV of an unknown device', async () => {
    expect((await api.request({ path: '/api/devices/nobody/readings' })).status).toBe(404);
    expect((await api.request({ path: '/api/devices/nobody/readings.csv' })).status).toBe(404);
  });
});

describe('alerts', () => {
  it('lists active alerts, filters by device, and validates the query', async () => {
    api.alerts.recordTransition(firing('a-1'));
    api.alerts.recordTransition(firing('a-2', 'dev-2'));
    expect(((await api.request({ path: '/api/alerts' })).json as Alert[]).map((a) => a.id).sort()).toEqual(['a-1', 'a-2']);
    expect(((await api.request({ path: '/api/alerts?device=dev-2' })).json as Alert[]).map((a) => a.id)).toEqual(['a-2']);
    for (const [query, code] of [
      ['state=some', 'bad_state'],
      ['limit=0', 'bad_limit'],
      ['device=bad%20id', 'bad_device'],
    ] as const) {
      const res = await api.request({ path: `/api/alerts?${query}` });
      expect(res.status, query).toBe(400);
      expect(res.json, query).toMatchObject({ error: { code } });
    }
  });

  it('acknowledges once: publishes it, records the event in the store, and a second ack changes nothing', async () => {
    api.alerts.recordTransition(firing('a-1'));
    const res = await api.operator({ method: 'POST', path: '/api/alerts/a-1/ack' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'a-1', acknowledged: true, state: 'firing' });
    expect(api.bus.published.map((p) => [p.topic, p.qos])).toEqual([[VIGIL_TOPICS.alert, 1]]);
    expect(JSON.parse(api.bus.published[0]!.payload)).toMatchObject({ id: 'a-1', acknowledged: true });
    expect(api.store.alertEvents.map((e) => [e.alert.id, e.event])).toEqual([['a-1', 'acknowledged']]);

    const again = await api.operator({ method: 'POST', path: '/api/alerts/a-1/ack' });
    expect(again.status).toBe(200);
    expect(api.bus.published).toHaveLength(1);
    expect(api.store.alertEvents).toHaveLength(1);
  });

  it('needs the operator token to acknowledge, and 404s an unknown alert', async () => {
    api.alerts.recordTransition(firing('a-1'));
    expect((await api.request({ method: 'POST', path: '/api/alerts/a-1/ack' })).status).toBe(401);
    expect(
      (await api.request({ method: 'POST', path: '/api/alerts/a-1/ack', headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } }))
        .status,
    ).toBe(401);
    expect(api.alerts.getAlert('a-1')?.acknowledged).toBe(false);
    const missing = await api.operator({ method: 'POST', path: '/api/alerts/nope/ack' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'not_found' } });
    expect(api.bus.published).toEqual([]);
  });
});

describe('rules', () => {
  it('creates, reads, updates and deletes a rule, announcing each change', async () => {
    const created = await api.operator({ method: 'POST', path: '/api/rules', body: RULE });
    expect(created.status).toBe(201);
    const rule = created.json as { id: string };
    expect(rule).toMatchObject({ ...RULE, device: '*', severity: 'warning', enabled: true, hysteresis: 0, for: 0 });
    expect(rule.id).toMatch(/^r-[0-9a-f]{10}$/);
    expect((await api.request({ path: `/api/rules/${rule.id}` })).json).toEqual(rule);
    expect((await api.request({ path: '/api/rules' })).json).toEqual([rule]);

    const updated = await api.operator({ method: 'PUT', path: `/api/rules/${rule.id}`, body: { ...RULE, value: 35 } });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ id: rule.id, value: 35 });

    expect((await api.operator({ method: 'DELETE', path: `/api/rules/${rule.id}` })).status).toBe(204);
    expect((await api.request({ path: `/api/rules/${rule.id}` })).status).toBe(404);
    expect(api.bus.published.map((p) => p.topic)).toEqual([
      VIGIL_TOPICS.rulesChanged,
      VIGIL_TOPICS.rulesChanged,
      VIGIL_TOPICS.rulesChanged,
    ]);
    expect(JSON.parse(api.bus.published[0]!.payload)).toEqual({ at: NOW });
  });

  it.each([
    ['an unknown op', { ...RULE, op: 'near' }, 'op'],
    ['no value', { name: 'x', type: 'threshold', metric: 't', op: 'above' }, 'value'],
    ['an unknown type', { ...RULE, type: 'magic' }, 'type'],
    ['an empty name', { ...RULE, name: ' ' }, 'name'],
    ['a bad metric', { ...RULE, metric: '1x' }, 'metric'],
    ['a bad device pattern', { ...RULE, device: 'a b' }, 'device'],
    ['low >= high', { name: 'x', type: 'threshold', metric: 't', op: 'outside', low: 5, high: 5 }, 'high'],
    ['nodata after 0', { name: 'x', type: 'nodata', after: 0 }, 'after'],
    ['not an object', [1, 2], 'type'],
  ])('refuses a rule with %s, naming the field', async (_name, body, field) => {
    const res = await api.operator({ method: 'POST', path: '/api/rules', body });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_rule', field } });
    expect(api.alerts.listRules()).toEqual([]);
    expect(api.bus.published).toEqual([]);
  });

  it('refuses bodies that are not JSON, too large or of the wrong type, and changes without the token', async () => {
    const cases: { body: unknown; headers: Record<string, string>; status: number; code: string }[] = [
      { body: '{', headers: { 'content-type': 'application/json' }, status: 400, code: 'invalid_json' },
      { body: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'empty_body' },
      { body: '{}', headers: { 'content-type': 'text/plain' }, status: 400, code: 'bad_content_type' },
      { body: { ...RULE, name: 'x'.repeat(70_000) }, headers: {}, status: 413, code: 'payload_too_large' },
    ];
    for (const c of cases) {
      const res = await api.operator({ method: 'POST', path: '/api/rules', body: c.body, headers: c.headers });
      expect(res.status, c.code).toBe(c.status);
      expect(res.json, c.code).toMatchObject({ error: { code: c.code } });
    }
    expect((await api.request({ method: 'POST', path: '/api/rules', body: RULE })).status).toBe(401);
    expect((await api.operator({ method: 'PUT', path: '/api/rules/nope', body: RULE })).status).toBe(404);
    expect((await api.operator({ method: 'DELETE', path: '/api/rules/nope' })).status).toBe(404);
    expect(api.alerts.listRules()).toEqual([]);
  });

  it('previews a rule over stored history without storing or announcing anything', async () => {
    const start = NOW - 600_000;
    api.store.appendSync(
      [entry('dev-1', start, { t: 20 }), entry('dev-1', start + 60_000, { t: 31 }), entry('dev-1', start + 120_000, { t: 25 })],
      NOW,
    );
    const res = await api.request({ method: 'POST', path: '/api/rules/preview', body: { rule: RULE, from: '-1h' } });
    expect(res.status).toBe(200);
    const body = res.json as { transitions: { kind: string; device: string; ts: number }[]; truncated: boolean };
    expect(body.truncated).toBe(false);
    expect(body.transitions.map((t) => [t.kind, t.device, t.ts])).toEqual([
      ['fired', 'dev-1', start + 60_000],
      ['resolved', 'dev-1', start + 120_000],
    ]);
    expect(api.alerts.listRules()).toEqual([]);
    expect(api.bus.published).toEqual([]);
    const tooLong = await api.request({ method: 'POST', path: '/api/rules/preview', body: { rule: RULE, from: '-40d' } });
    expect(tooLong.json).toMatchObject({ error: { code: 'bad_range' } });
  });
});

describe('rejected', () => {
  it('lists the newest rejections first, filtered by device, with a bounded limit', async () => {
    for (let i = 0; i < 5; i++)
      api.rejected.push({ ts: NOW + i, topic: `devices/d-${i % 2}/telemetry`, device: `d-${i % 2}`, reason: 'bad_json', payload: '{' });
    expect(((await api.request({ path: '/api/rejected?limit=2' })).json as { ts: number }[]).map((r) => r.ts)).toEqual([NOW + 4, NOW + 3]);
    expect(((await api.request({ path: '/api/rejected?device=d-1' })).json as { ts: number }[]).map((r) => r.ts)).toEqual([
      NOW + 3,
      NOW + 1,
    ]);
    expect((await api.request({ path: '/api/rejected?limit=x' })).json).toMatchObject({ error: { code: 'bad_limit' } });
    expect((await api.request({ path: '/api/rejected?limit=1001' })).status).toBe(400);
  });
});

describe('health', () => {
  it('is ok when the broker and the store answer', async () => {
    const res = await api.request({ path: '/api/health' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok', checks: { broker: 'up', store: 'up' } });
  });

  it('is degraded (503) when the store does not answer or the broker is gone', async () => {
    api.store.faults.ping = new Error('influxd is restarting');
    expect(await api.request({ path: '/api/health' })).toMatchObject({
      status: 503,
      json: { status: 'degraded', checks: { broker: 'up', store: 'down' } },
    });
    api.store.faults.ping = undefined;
    api.bus.connected = false;
    expect(await api.request({ path: '/api/health' })).toMatchObject({
      status: 503,
      json: { status: 'degraded', checks: { broker: 'down', store: 'up' } },
    });
  });
});

describe('errors', () => {
  it('answers unknown routes and methods with the JSON 404', async () => {
    for (const req of [{ path: '/api/nothing' }, { method: 'PATCH', path: '/api/devices' }]) {
      const res = await api.request(req);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('turns a store failure into a 503 that tells nothing internal', async () => {
    api.store.devices = () => Promise.reject(new Error('SQLITE_CORRUPT: /var/lib/vigil/vigil.db'));
    const res = await api.request({ path: '/api/devices' });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: { code: 'unavailable', message: 'the server could not complete the request; try again' } });
    expect(res.text).not.toContain('SQLITE');
  });

  it('needs the token for reads when the API listens beyond loopback, but keeps health open', async () => {
    const open = apiHarness({ HOST: '0.0.0.0' });
    try {
      expect((await open.request({ path: '/api/devices' })).status).toBe(401);
      expect((await open.request({ path: '/api/devices', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await open.request({ path: '/api/health' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
