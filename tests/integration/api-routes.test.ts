/**
 * The route and error matrix over real HTTP: every route answers its success case, and every
 * failure is JSON {"error":{"code","message"}} with one of the statuses the contract allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'routes-test-token-0123456789';
const OP = { Authorization: `Bearer ${TOKEN}` };
const JSON_BODY = { 'Content-Type': 'application/json' };
const RULE = { name: 'r', type: 'threshold', metric: 't', op: 'above', value: 1 };

interface Case {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  readonly code?: string;
}

const CASES: readonly Case[] = [
  { name: 'health', path: '/api/health', status: 200 },
  { name: 'devices', path: '/api/devices', status: 200 },
  { name: 'one device', path: '/api/devices/rt-1', status: 200 },
  { name: 'unknown device', path: '/api/devices/nobody', status: 404, code: 'not_found' },
  { name: 'illegal device id', path: '/api/devices/bad%20id', status: 404, code: 'not_found' },
  { name: 'broken percent-encoding', path: '/api/devices/%E0%A4%A', status: 404, code: 'not_found' },
  { name: 'readings', path: '/api/devices/rt-1/readings?from=-1h&points=10', status: 200 },
  { name: 'readings, bad from', path: '/api/devices/rt-1/readings?from=yesterday', status: 400, code: 'bad_time' },
  { name: 'readings, from after to', path: '/api/devices/rt-1/readings?from=-1h&to=-2h', status: 400, code: 'bad_range' },
  { name: 'readings, too many points', path: '/api/devices/rt-1/readings?points=5001', status: 400, code: 'bad_points' },
  { name: 'readings, bad metric', path: '/api/devices/rt-1/readings?metrics=1x', status: 400, code: 'bad_metrics' },
  { name: 'readings of an unknown device', path: '/api/devices/nobody/readings', status: 404, code: 'not_found' },
  { name: 'csv', path: '/api/devices/rt-1/readings.csv?from=-1h', status: 200 },
  { name: 'csv of an unknown device', path: '/api/devices/nobody/readings.csv', status: 404, code: 'not_found' },
  { name: 'alerts', path: '/api/alerts?state=all', status: 200 },
  { name: 'alerts, bad state', path: '/api/alerts?state=some', status: 400, code: 'bad_state' },
  { name: 'alerts, bad limit', path: '/api/alerts?limit=0', status: 400, code: 'bad_limit' },
  { name: 'ack without token', method: 'POST', path: '/api/alerts/x/ack', status: 401, code: 'unauthorized' },
  {
    name: 'ack with a wrong token',
    method: 'POST',
    path: '/api/alerts/x/ack',
    headers: { Authorization: 'Bearer wrong-token-xxxxxxxx' },
    status: 401,
    code: 'unauthorized',
  },
  { name: 'ack of an unknown alert', method: 'POST', path: '/api/alerts/x/ack', headers: OP, status: 404, code: 'not_found' },
  { name: 'rules', path: '/api/rules', status: 200 },
  { name: 'create rule without token', method: 'POST', path: '/api/rules', headers: JSON_BODY, body: JSON.stringify(RULE), status: 401 },
  { name: 'create rule', method: 'POST', path: '/api/rules', headers: { ...OP, ...JSON_BODY }, body: JSON.stringify(RULE), status: 201 },
  {
    name: 'create rule, invalid',
    method: 'POST',
    path: '/api/rules',
    headers: { ...OP, ...JSON_BODY },
    body: JSON.stringify({ ...RULE, op: 'near' }),
    status: 400,
    code: 'invalid_rule',
  },
  {
    name: 'create rule, not JSON',
    method: 'POST',
    path: '/api/rules',
    headers: { ...OP, ...JSON_BODY },
    body: '{',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'create rule, wrong content type',
    method: 'POST',
    path: '/api/rules',
    headers: { ...OP, 'Content-Type': 'text/plain' },
    body: '{}',
    status: 400,
    code: 'bad_content_type',
  },
  {
    name: 'create rule, too large',
    method: 'POST',
    path: '/api/rules',
    headers: { ...OP, ...JSON_BODY },
    body: JSON.stringify({ ...RULE, name: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'update unknown rule',
    method: 'PUT',
    path: '/api/rules/nope',
    headers: { ...OP, ...JSON_BODY },
    body: JSON.stringify(RULE),
    status: 404,
  },
  { name: 'delete unknown rule', method: 'DELETE', path: '/api/rules/nope', headers: OP, status: 404 },
  {
    name: 'preview',
    method: 'POST',
    path: '/api/rules/preview',
    headers: JSON_BODY,
    body: JSON.stringify({ rule: RULE, from: '-1h' }),
    status: 200,
  },
  {
    name: 'preview, invalid rule',
    method: 'POST',
    path: '/api/rules/preview',
    headers: JSON_BODY,
    body: JSON.stringify({ rule: {}, from: '-1h' }),
    status: 400,
    code: 'invalid_rule',
  },
  {
    name: 'preview, range too long',
    method: 'POST',
    path: '/api/rules/preview',
    headers: JSON_BODY,
    body: JSON.stringify({ rule: RULE, from: '-40d' }),
    status: 400,
    code: 'bad_range',
  },
  { name: 'rejected', path: '/api/rejected?limit=5', status: 200 },
  { name: 'rejected, bad limit', path: '/api/rejected?limit=x', status: 400, code: 'bad_limit' },
  { name: 'sources', path: '/api/sources', status: 200 },
  { name: 'unmatched topics', path: '/api/sources/unmatched', status: 200 },
  { name: 'stream, bad filter', path: '/api/stream?devices=bad%20id', status: 400, code: 'bad_devices' },
  { name: 'session', path: '/api/session', status: 200 },
  { name: 'unknown API route', path: '/api/nothing', status: 404, code: 'not_found' },
  { name: 'method not served', method: 'PATCH', path: '/api/devices', status: 404, code: 'not_found' },
  { name: 'metrics', path: '/metrics', status: 200 },
];

describe('API route and error matrix', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN });
    const device = await connectClient(vigil.brokerUrl);
    await device.publishAsync('devices/rt-1/telemetry', JSON.stringify({ t: 1 }), { qos: 1 });
    await eventually(async () => ((await getJson(`${vigil.url}/api/devices/rt-1`)).status === 200 ? true : undefined));
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  it.each(CASES)('$name: $status', async (c) => {
    const res = await fetch(`${vigil.url}${c.path}`, {
      method: c.method ?? 'GET',
      headers: c.headers ?? {},
      ...(c.body === undefined ? {} : { body: c.body }),
    });
    const text = await res.text();
    expect(res.status, text.slice(0, 200)).toBe(c.status);
    expect(text).not.toMatch(/\n\s+at /);
    if (c.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(typeof body.error.message).toBe('string');
      if (c.code) expect(body.error.code).toBe(c.code);
    }
  });
});
