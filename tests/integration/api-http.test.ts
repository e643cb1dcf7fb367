/**
 * HTTP edges over real sockets: the Host check while reads are open on loopback (DNS
 * rebinding), HEAD answered like GET without a body (and not as a stream client), and an
 * oversized chunked body answered with 413 rather than a connection reset.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; chunks?: Buffer[] },
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('HTTP edges', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({ PUBLIC_URL: 'https://vigil.example.org' });
  });
  afterAll(async () => {
    await vigil?.dispose();
  });

  it.each([
    ['localhost:8080', 200],
    ['127.0.0.1', 200],
    ['[::1]:8080', 200],
    ['vigil.example.org', 200],
    ['attacker.example.com', 403],
    ['attacker.example.com:8080', 403],
  ])('Host %s gets %i while reads are open', async (host, status) => {
    const res = await send(vigil.url, { path: '/api/devices', headers: { Host: host } });
    expect(res.status).toBe(status);
    if (status === 403) expect(JSON.parse(res.body).error.code).toBe('bad_host');
  });

  it('answers HEAD / like GET / without the body', async () => {
    const get = await send(vigil.url, { path: '/' });
    const head = await send(vigil.url, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(get.status);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.body).toBe('');
  });

  it('answers HEAD /api/stream at once, without counting it as a stream client', async () => {
    const head = await send(vigil.url, { method: 'HEAD', path: '/api/stream' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(/vigil_sse_clients (\d+)/.exec(metrics)?.[1]).toBe('0');
  });

  it('answers a 200 KB chunked body with 413, not a reset', async () => {
    const chunks = Array.from({ length: 50 }, () => Buffer.alloc(4096, 0x20));
    const res = await send(vigil.url, {
      method: 'POST',
      path: '/api/session',
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      chunks,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
    expect((await getJson(`${vigil.url}/api/health`)).status).toBe(200);
  });
});
