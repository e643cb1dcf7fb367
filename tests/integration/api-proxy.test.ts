/**
 * TRUST_PROXY behind a real nginx: a client that spoofs X-Forwarded-For on every request is still
 * one client to the sign-in limiter (only the nearest proxy's hop counts), and the right token
 * is accepted while that client is limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type NginxServer } from '../helpers/nginx.ts';
import { startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'proxy-test-token-0123456789';

describe('sign-in behind nginx with TRUST_PROXY', () => {
  let vigil: TestVigil;
  let nginx: NginxServer;

  beforeAll(async () => {
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN, TRUST_PROXY: 'true' });
    nginx = await startNginx(vigil.url);
  });
  afterAll(async () => {
    await nginx?.stop();
    await vigil?.dispose();
  });

  const signIn = (token: string, spoof: string) =>
    fetch(`${nginx.url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': spoof },
      body: JSON.stringify({ token }),
    });

  it('limits 30 wrong tokens with spoofed X-Forwarded-For, and the right token still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await signIn(`wrong-${i}`, `10.0.${i}.${i + 1}`);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const right = await signIn(TOKEN, '10.9.9.9');
    expect(right.status).toBe(200);
    expect(right.headers.get('set-cookie')).toMatch(/^vigil_session=/);
  });
});
