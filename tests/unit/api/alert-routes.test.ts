/**
 * The alarm table's side of the API: the one list order (domain/alert-order.ts compareAlerts, used by
 * the SQL and the route alike), the list's filters, acknowledgement notes and bulk acknowledge,
 * each acknowledgement going out as a single one does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { compareAlerts } from '../../../domain/alert-order.ts';
import type { Severity } from '../../../domain/rule.ts';
import { decodeBus } from '../../../bus/index.ts';
import { VIGIL_TOPICS } from '../../../bus/topics.ts';
import { apiHarness, NOW, type ApiHarness } from './harness.ts';

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    ruleId: 'r-1',
    device: 'dev-1',
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
    ...over,
  };
}

let api: ApiHarness;
beforeEach(() => {
  api = apiHarness();
});
afterEach(async () => {
  await api.close();
});

const list = async (query = '') => {
  const res = await api.request({ path: `/api/alerts${query}` });
  expect(res.status, query).toBe(200);
  return res.json as Alert[];
};
const alertEvents = () => api.bus.published.filter((p) => p.topic === VIGIL_TOPICS.alert);

describe('compareAlerts', () => {
  it('orders firing before resolved, then critical, warning, info, then newest first, then device and id', () => {
    const items = [
      alert('a', { state: 'resolved', severity: 'critical', startedAt: 9 }),
      alert('b', { severity: 'info', startedAt: 9 }),
      alert('c', { severity: 'critical', startedAt: 1 }),
      alert('d', { severity: 'critical', startedAt: 5 }),
      alert('e', { severity: 'warning', startedAt: 9 }),
      alert('f', { state: 'resolved', severity: 'info', startedAt: 9 }),
      alert('g', { severity: 'critical', startedAt: 5, device: 'dev-0' }),
      alert('h', { severity: 'critical', startedAt: 5, device: 'dev-0' }),
    ];
    expect(items.sort(compareAlerts).map((a) => a.id)).toEqual(['g', 'h', 'd', 'c', 'e', 'b', 'a', 'f']);
  });
});

describe('GET /api/alerts', () => {
  it('lists in the comparator order, the SQL picking the same first rows under a limit', async () => {
    const severities: Severity[] = ['info', 'warning', 'critical'];
    const all: Alert[] = [];
    // A fixed pseudo-random spread of states, severities, times and devices.
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 200; i++) {
      const a = alert(`a-${i}`, {
        severity: severities[next() % 3]!,
        state: next() % 2 === 0 ? 'firing' : 'resolved',
        startedAt: NOW - (next() % 50) * 1_000,
        device: `dev-${next() % 4}`,
      });
      api.alerts.recordTransition(a.state === 'resolved' ? { ...a, resolvedAt: a.startedAt + 1 } : a, NOW);
      all.push(api.alerts.getAlert(a.id)!);
    }
    const expected = [...all].sort(compareAlerts);
    expect((await list('?state=all&limit=1000')).map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect((await list('?state=all&limit=17')).map((a) => a.id)).toEqual(expected.slice(0, 17).map((a) => a.id));
    const firing = expected.filter((a) => a.state === 'firing');
    expect((await list('?limit=1000')).map((a) => a.id)).toEqual(firing.map((a) => a.id));
  });

  it('filters by severity, rule, device, acknowledged and startedAt range', async () => {
    api.alerts.recordTransition(alert('w1', { startedAt: NOW - 3_600_000 }), NOW);
    api.alerts.recordTransition(alert('c1', { severity: 'critical', ruleId: 'r-2', startedAt: NOW - 60_000 }), NOW);
    api.alerts.recordTransition(alert('i1', { severity: 'info', device: 'dev-2', startedAt: NOW - 1_000 }), NOW);
    api.alerts.acknowledge('i1', NOW);
    const ids = async (q: string) => (await list(q)).map((a) => a.id);
    expect(await ids('?severity=critical')).toEqual(['c1']);
    expect(await ids('?severity=critical,info')).toEqual(['c1', 'i1']);
    expect(await ids('?severity=info&severity=warning')).toEqual(['w1', 'i1']);
    expect(await ids('?rule=r-2')).toEqual(['c1']);
    expect(await ids('?device=dev-2')).toEqual(['i1']);
    expect(await ids('?acknowledged=false')).toEqual(['c1', 'w1']);
    expect(await ids('?acknowledged=true')).toEqual(['i1']);
    expect(await ids('?from=-2m')).toEqual(['c1', 'i1']);
    expect(await ids(`?from=${NOW - 3_600_000}&to=${NOW - 60_000}`)).toEqual(['c1', 'w1']);
    expect(await ids(`?to=${new Date(NOW - 120_000).toISOString()}`)).toEqual(['w1']);
  });

  it.each([
    ['?state=open', 'bad_state'],
    ['?severity=fatal', 'bad_severity'],
    ['?rule=no%20spaces', 'bad_rule'],
    ['?device=bad%20id', 'bad_device'],
    ['?acknowledged=yes', 'bad_acknowledged'],
    ['?limit=0', 'bad_limit'],
    ['?limit=1001', 'bad_limit'],
    ['?from=yesterday', 'bad_time'],
    ['?from=-1h&to=-2h', 'bad_range'],
  ])('refuses %s with 400 %s', async (query, code) => {
    const res = await api.request({ path: `/api/alerts${query}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code } });
  });
});

describe('acknowledging with a note', () => {
  it('keeps the note with the alert: in the answer, the list, and the alert event on the bus', async () => {
    api.alerts.recordTransition(alert('a1'), NOW);
    const res = await api.operator({ method: 'POST', path: '/api/alerts/a1/ack', body: { note: 'replacing the fan' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'a1', acknowledged: true, ackedAt: NOW, ackNote: 'replacing the fan' });
    expect((await list())[0]).toMatchObject({ ackNote: 'replacing the fan' });
    const [event] = alertEvents();
    const decoded = decodeBus(VIGIL_TOPICS.alert, Buffer.from(event!.payload), NOW);
    expect(decoded).toMatchObject({ ok: true, value: { id: 'a1', ackNote: 'replacing the fan' } });
  });

  it('acknowledges without a body, or with an empty one, as before: no note', async () => {
    api.alerts.recordTransition(alert('a1'), NOW);
    api.alerts.recordTransition(alert('a2'), NOW);
    expect((await api.operator({ method: 'POST', path: '/api/alerts/a1/ack' })).json).toMatchObject({ acknowledged: true, ackNote: null });
    expect((await api.operator({ method: 'POST', path: '/api/alerts/a2/ack', body: { note: '' } })).json).toMatchObject({ ackNote: null });
  });

  it('keeps the first acknowledgement and its note', async () => {
    api.alerts.recordTransition(alert('a1'), NOW);
    await api.operator({ method: 'POST', path: '/api/alerts/a1/ack', body: { note: 'first' } });
    api.now += 1_000;
    const res = await api.operator({ method: 'POST', path: '/api/alerts/a1/ack', body: { note: 'second' } });
    expect(res.json).toMatchObject({ ackedAt: NOW, ackNote: 'first' });
    expect(alertEvents()).toHaveLength(1);
  });

  it.each([
    ['a note over 1,000 characters', { note: 'n'.repeat(1_001) }, 'note'],
    ['a note that is not a string', { note: 5 }, 'note'],
    ['an unknown field', { reason: 'x' }, 'body'],
  ])('refuses %s', async (_what, body, field) => {
    api.alerts.recordTransition(alert('a1'), NOW);
    const res = await api.operator({ method: 'POST', path: '/api/alerts/a1/ack', body });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_ack', field } });
    expect(api.alerts.getAlert('a1')?.acknowledged).toBe(false);
  });
});

describe('POST /api/alerts/ack', () => {
  it('acknowledges several in one go, each announced as a single acknowledgement is', async () => {
    for (const id of ['a1', 'a2', 'a3']) api.alerts.recordTransition(alert(id), NOW);
    api.alerts.acknowledge('a3', NOW - 1);
    const res = await api.operator({
      method: 'POST',
      path: '/api/alerts/ack',
      body: { ids: ['a1', 'nope', 'a2', 'a3', 'a1'], note: 'storm' },
    });
    expect(res.status).toBe(200);
    const body = res.json as { acknowledged: string[]; alreadyAcknowledged: string[]; notFound: string[]; alerts: Alert[] };
    expect(body).toMatchObject({ acknowledged: ['a1', 'a2'], alreadyAcknowledged: ['a3'], notFound: ['nope'] });
    expect(body.alerts.map((a) => [a.id, a.ackNote])).toEqual([
      ['a1', 'storm'],
      ['a2', 'storm'],
      ['a3', null],
    ]);
    // Published once each (every API process streams it), and recorded beside the telemetry.
    expect(alertEvents().map((p) => (JSON.parse(p.payload) as Alert).id)).toEqual(['a1', 'a2']);
    expect(api.store.alertEvents.map((e) => [e.alert.id, e.event])).toEqual([
      ['a1', 'acknowledged'],
      ['a2', 'acknowledged'],
    ]);
    expect(api.alerts.getAlert('a2')).toMatchObject({ acknowledged: true, ackedAt: NOW, ackNote: 'storm' });
  });

  it('needs the operator token', async () => {
    api.alerts.recordTransition(alert('a1'), NOW);
    const res = await api.request({ method: 'POST', path: '/api/alerts/ack', body: { ids: ['a1'] } });
    expect(res.status).toBe(401);
    expect(api.alerts.getAlert('a1')?.acknowledged).toBe(false);
  });

  it.each([
    ['no ids', {}, 'ids'],
    ['an empty list', { ids: [] }, 'ids'],
    ['501 ids', { ids: Array.from({ length: 501 }, (_, i) => `a${i}`) }, 'ids'],
    ['a bad id', { ids: ['a b'] }, 'ids.0'],
    ['a long note', { ids: ['a1'], note: 'n'.repeat(1_001) }, 'note'],
    ['an unknown field', { ids: ['a1'], all: true }, 'body'],
  ])('refuses %s with 400', async (_what, body, field) => {
    api.alerts.recordTransition(alert('a1'), NOW);
    const res = await api.operator({ method: 'POST', path: '/api/alerts/ack', body });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_ack', field } });
    expect(api.alerts.getAlert('a1')?.acknowledged).toBe(false);
  });
});
