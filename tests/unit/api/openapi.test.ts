/**
 * GET /api/openapi.json against the router it describes: every route the Koa router serves is
 * in the document with its method (and nothing else is), bodies and queries carry the schemas
 * the routes validate with, and every documented query parameter, sent with its example value,
 * is accepted by its route (not 400).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiPath } from '../../../api/openapi.ts';
import { apiHarness, NOW, type ApiHarness } from './harness.ts';

const parameterSchema = z.object({
  name: z.string(),
  in: z.enum(['path', 'query']),
  required: z.boolean(),
  example: z.string().optional(),
});
const operationSchema = z.object({
  summary: z.string().min(1),
  parameters: z.array(parameterSchema).optional(),
  requestBody: z.object({ content: z.object({ 'application/json': z.object({ schema: z.record(z.string(), z.unknown()) }) }) }).optional(),
  responses: z.record(z.string(), z.unknown()),
});
const documentSchema = z.object({
  openapi: z.literal('3.1.0'),
  info: z.object({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.partialRecord(z.enum(['get', 'post', 'put', 'delete']), operationSchema)),
});

let api: ApiHarness;
beforeEach(() => {
  api = apiHarness();
});
afterEach(async () => {
  await api.close();
});

async function fetchDocument(): Promise<z.infer<typeof documentSchema>> {
  const res = await api.request({ path: '/api/openapi.json' });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return documentSchema.parse(res.json);
}

describe('GET /api/openapi.json', () => {
  it('lists every route the router serves, with its method, and no route it does not', async () => {
    const doc = await fetchDocument();
    const served = api
      .routes()
      .map((r) => `${r.method} ${openApiPath(r.path).path}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual([...new Set(served)]);
    expect(served).toContain('GET /api/openapi.json');
  });

  it('describes bodies and queries from the schemas the routes validate with', async () => {
    const doc = await fetchDocument();
    const create = doc.paths['/api/rules']!['post']!;
    expect(JSON.stringify(create.requestBody?.content['application/json'].schema)).toContain('"threshold"');
    expect(doc.paths['/api/rules/preview']!['post']!.requestBody).toBeDefined();
    const readings = doc.paths['/api/devices/{id}/readings']!['get']!;
    expect(readings.parameters?.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      'path:id:true',
      'query:from:false',
      'query:to:false',
      'query:metrics:false',
      'query:points:false',
    ]);
    expect(doc.paths['/api/alerts']!['get']!.parameters?.map((p) => p.name)).toEqual([
      'state',
      'device',
      'severity',
      'rule',
      'acknowledged',
      'from',
      'to',
      'limit',
    ]);
  });

  it('every documented query parameter, sent with its example, is accepted by its route', async () => {
    api.store.appendSync([{ device: 'sim-001', ts: NOW - 2_000, values: { temperature: 21.5 } }], NOW - 1_000);
    const doc = await fetchDocument();
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const param of (op.parameters ?? []).filter((p) => p.in === 'query')) {
          expect(param.example, `${method} ${path} ?${param.name} has an example`).toBeDefined();
          const url = `${path.replace(/\{id\}/g, 'sim-001')}?${param.name}=${encodeURIComponent(param.example!)}`;
          // HEAD for the stream: it checks the query like GET, without holding the response open.
          const res = await api.request({ method: method === 'get' && path === '/api/stream' ? 'HEAD' : method.toUpperCase(), path: url });
          expect(res.status, `${method.toUpperCase()} ${url}: ${res.text}`).toBeLessThan(400);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('refuses a bad value of a documented parameter with its bad_<name> code', async () => {
    api.store.appendSync([{ device: 'dev-1', ts: NOW - 2_000, values: { t: 1 } }], NOW - 1_000);
    for (const [url, code] of [
      ['/api/alerts?limit=0', 'bad_limit'],
      ['/api/alerts?state=some', 'bad_state'],
      ['/api/rejected?limit=x', 'bad_limit'],
      ['/api/devices/dev-1/readings?points=5001', 'bad_points'],
    ] as const) {
      const res = await api.request({ path: url });
      expect(res.json).toMatchObject({ error: { code } });
    }
  });

  it('every route reads its query the same way: empty is the default, a repeated key its first value, errors name the field', async () => {
    api.store.appendSync([{ device: 'dev-1', ts: NOW - 2_000, values: { t: 1 } }], NOW - 1_000);
    for (const path of ['/api/rejected?limit=', '/api/devices?limit=', '/api/alerts?limit=', '/api/devices/dev-1/readings?points=']) {
      expect((await api.request({ path })).status, path).toBe(200);
    }
    const repeated = await api.request({ path: '/api/devices/dev-1/readings?points=5001&points=1' });
    expect(repeated.json).toMatchObject({ error: { code: 'bad_points', field: 'points' } });
    for (const [path, max] of [
      ['/api/alerts?limit=0', 1000],
      ['/api/devices?limit=0', 10000],
      ['/api/rejected?limit=0', 1000],
    ] as const) {
      const res = await api.request({ path });
      expect(res.json, path).toMatchObject({
        error: { code: 'bad_limit', field: 'limit', message: `limit must be a whole number from 1 to ${max}` },
      });
    }
  });
});
