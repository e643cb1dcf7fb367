/**
 * Operator auth over real HTTP: sign-in to an HttpOnly SameSite=Strict cookie, bearer tokens,
 * sign-out, rate-limited failures (429), body limits (413), and reads guarded when the API
 * listens beyond loopback.
 */
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorAuth } from '../../api/auth.ts';
import { errorFunnel } from '../../api/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import { getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'test-operator-token-0123456789';

describe('operator auth on the API', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await vigil?.dispose();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${vigil.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

  it('signs in to an HttpOnly, SameSite=Strict cookie that then counts as the operator', async () => {
    expect((await getJson(`${vigil.url}/api/session`)).body).toEqual({
      operator: false,
      readsOpen: true,
      staleAfterMs: 60_000,
      topicPrefix: 'devices',
    });
    const res = await post(JSON.stringify({ token: TOKEN }));
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^vigil_session=[^;]+/);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=strict/i);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await getJson(`${vigil.url}/api/session`, { headers: { Cookie: session } })).body).toMatchObject({ operator: true });
    expect((await getJson(`${vigil.url}/api/session`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body).toMatchObject({
      operator: true,
    });
    const out = await fetch(`${vigil.url}/api/session`, { method: 'DELETE', headers: { Cookie: session } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/vigil_session=;/);
  });

  it('answers bad bodies with 400 and oversized ones with 413', async () => {
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const big = await post(JSON.stringify({ token: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('rate-limits wrong tokens with 429 and Retry-After, but never refuses the right token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post(JSON.stringify({ token: `wrong-${i}` }))).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await post(JSON.stringify({ token: 'wrong-again' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_many_attempts');
    expect((await post(JSON.stringify({ token: TOKEN }))).status).toBe(200);
    expect((await getJson(`${vigil.url}/api/session`, { headers: { Authorization: `Bearer ${TOKEN}` } })).body).toMatchObject({
      operator: true,
    });
  });
});

describe('reads beyond loopback', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // The middleware as the API builds it for HOST=0.0.0.0, served on loopback for the test.
    const auth = new OperatorAuth(TOKEN, '0.0.0.0');
    const app = new Koa();
    app.silent = true;
    app.use(errorFunnel(silentLogger));
    app.use(auth.requireRead());
    app.use((ctx) => {
      ctx.body = { ok: true };
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('needs the token for API reads but not for health, sign-in or the dashboard', async () => {
    expect((await fetch(`${url}/api/devices`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/api/devices`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // Preview is a read: it needs the token exactly when reads do.
    const preview = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
    expect((await fetch(`${url}/api/rules/preview`, preview)).status).toBe(401);
    expect(
      (await fetch(`${url}/api/rules/preview`, { ...preview, headers: { ...preview.headers, Authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await fetch(`${url}/api/session`)).status).toBe(200);
    expect((await fetch(`${url}/`)).status).toBe(200);
    const denied = await fetch(`${url}/api/devices`, { headers: { Authorization: 'Bearer nope' } });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });
});
