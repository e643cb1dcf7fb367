/**
 * HTTP as clients and proxies expect it: WWW-Authenticate on every 401, the dashboard's security
 * headers on every answer, `application/*+json` bodies taken as JSON, and one access log line
 * per request (no query string: it may carry a resume id) counted in vigil_http_requests_total.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../../lib/logger.ts';
import { CONTENT_SECURITY_POLICY } from '../../../api/access-log.ts';
import { apiHarness, type ApiHarness } from './harness.ts';

const RULE = { name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30 };

const lineSchema = z.object({
  msg: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  ms: z.number(),
  bytes: z.number().optional(),
  component: z.string(),
});

function logged() {
  const lines: z.infer<typeof lineSchema>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        const line = lineSchema.safeParse(JSON.parse(text));
        if (line.success) lines.push(line.data);
      }
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }).child({ component: 'api' }) };
}

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('401', () => {
  it('names the Bearer scheme and realm on every 401', async () => {
    api = apiHarness({ HOST: '0.0.0.0' });
    const answers = [
      await api.request({ method: 'POST', path: '/api/rules', body: RULE }),
      await api.request({ path: '/api/devices' }),
      await api.request({ path: '/metrics' }),
      await api.request({ method: 'POST', path: '/api/session', body: { token: 'wrong-token-0123456789' } }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="vigil"');
    }
    expect((await api.operator({ path: '/api/devices' })).headers['www-authenticate']).toBeUndefined();
  });
});

describe('security headers', () => {
  it('sends a CSP without inline script, nosniff, no referrer and no framing, on the API and the dashboard', async () => {
    api = apiHarness();
    for (const path of ['/api/health', '/api/nothing-here', '/', '/metrics']) {
      const res = await api.request({ path });
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
  });
});

describe('JSON bodies', () => {
  it('takes application/*+json as JSON and still refuses other types', async () => {
    api = apiHarness();
    const as = (type: string) =>
      api!.operator({ method: 'POST', path: '/api/rules', headers: { 'content-type': type }, body: JSON.stringify(RULE) });
    expect((await as('application/merge-patch+json')).status).toBe(201);
    expect((await as('application/vnd.vigil+json; charset=utf-8')).status).toBe(201);
    expect((await as('application/json')).status).toBe(201);
    const refused = await as('text/plain');
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { code: 'bad_content_type' } });
  });
});

describe('access log', () => {
  it('writes one info line per request with method, path without the query, status, ms and bytes', async () => {
    const { lines, logger } = logged();
    api = apiHarness({}, { logger });
    await api.request({ path: '/api/devices?q=secret-filter&lastEventId=abc' });
    await api.request({ path: '/api/devices/nope' });
    await api.request({ method: 'POST', path: '/api/rules', body: RULE });
    await new Promise((r) => setImmediate(r));
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.path, l.status])).toEqual([
      ['GET', '/api/devices', 200],
      ['GET', '/api/devices/nope', 404],
      ['POST', '/api/rules', 401],
    ]);
    expect(requests[0]!.bytes).toBe(2);
    for (const l of requests) expect(l.ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(lines)).not.toContain('secret-filter');
    const metrics = (await api.request({ path: '/metrics' })).text;
    expect(metrics).toContain('vigil_http_requests_total{method="GET",route="/api/devices",status="200"} 1');
    expect(metrics).toContain('vigil_http_requests_total{method="GET",route="/api/devices/:id",status="404"} 1');
  });
});
