/**
 * How the API's answers travel, over real HTTP (node:http as the client, no fetch, so nothing
 * decodes behind our back): the dashboard's precompressed files chosen by Accept-Encoding, with
 * Vary, validators and 304s and the cache policy; JSON compressed above 1 KiB; HEAD like GET
 * without a body; and the SSE stream never compressed and never held back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../dashboard/precompress.ts';
import { apiHarness, NOW, type ApiHarness } from '../unit/api/harness.ts';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The bytes as they came over the wire (still encoded). */
  readonly raw: Buffer;
}

let dir: string;
let api: ApiHarness;
let server: Server;
let base: string;
const ASSET = 'assets/app-Ab12Cd34.js';

function send(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(answer: Answer): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.raw).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.raw).toString('utf8');
  return answer.raw.toString('utf8');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-transfer-'));
  mkdirSync(join(dir, 'assets'));
  const js = Array.from({ length: 400 }, (_, i) => `export const value${i} = { name: 'value ${i}', double: ${i * 2} };`).join('\n');
  writeFileSync(join(dir, ASSET), js);
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><title>Vigil</title></head><body>${'<div class="x"></div>'.repeat(60)}</body></html>`,
  );
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // The build step itself writes the variants (dashboard/precompress.ts, the Vite plugin's work).
  const written = precompressDir(dir);
  expect(written.map((r) => r.file.slice(dir.length + 1)).sort()).toEqual([ASSET, 'index.html']);
  api = apiHarness({}, { dashboardDir: dir });
  // Enough devices that the list is well above the 1 KiB threshold.
  for (let i = 0; i < 40; i++)
    api.store.appendSync([{ device: `dev-${i}`, ts: NOW - 1_000, values: { temperature: 20 + i / 10, humidity: 40 } }], NOW);
  server = createServer(api.callback);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard files', () => {
  const original = () => readFileSync(join(dir, ASSET), 'utf8');

  it.each([
    ['br, gzip', 'br'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['*', 'br'],
    ['identity', undefined],
    ['br;q=0, gzip;q=0', undefined],
    ['', undefined],
  ])('Accept-Encoding %j gets %s', async (accept, expected) => {
    const res = await send(`/${ASSET}`, accept === '' ? {} : { 'accept-encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(expected);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(res.headers['content-length'])).toBe(res.raw.length);
    expect(decoded(res)).toBe(original());
    if (expected) expect(res.raw.length).toBeLessThan(original().length / 3);
  });

  it('caches hashed assets for a year and revalidates index.html every time', async () => {
    expect((await send(`/${ASSET}`)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const path of ['/', '/index.html', '/devices/dev-1']) {
      const res = await send(path, { 'accept-encoding': 'gzip' });
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.headers['content-encoding'], path).toBe('gzip');
      expect(decoded(res), path).toContain('<title>Vigil</title>');
    }
  });

  it('answers 304 to a matching If-None-Match or a current If-Modified-Since, with no body', async () => {
    const first = await send(`/${ASSET}`, { 'accept-encoding': 'br' });
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-br"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);

    const byTag = await send(`/${ASSET}`, { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.raw.length).toBe(0);
    expect(byTag.headers.etag).toBe(etag);
    expect((await send(`/${ASSET}`, { 'accept-encoding': 'br', 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    const byDate = await send(`/${ASSET}`, { 'if-modified-since': lastModified });
    expect(byDate.status).toBe(304);
    expect(byDate.raw.length).toBe(0);

    // Each encoding is its own representation: the brotli tag does not validate the gzip body.
    const gzip = await send(`/${ASSET}`, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gzip.status).toBe(200);
    expect(gzip.headers.etag).not.toBe(etag);
    // If-None-Match decides over If-Modified-Since when both are sent.
    expect((await send(`/${ASSET}`, { 'if-none-match': '"stale"', 'if-modified-since': lastModified })).status).toBe(200);
    expect((await send(`/${ASSET}`, { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() })).status).toBe(200);
  });

  it('answers HEAD with the headers GET sends and no body', async () => {
    for (const accept of ['br', 'gzip', 'identity']) {
      const get = await send(`/${ASSET}`, { 'accept-encoding': accept });
      const head = await send(`/${ASSET}`, { 'accept-encoding': accept }, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.raw.length).toBe(0);
      for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'vary', 'cache-control']) {
        expect(head.headers[name], `${accept} ${name}`).toBe(get.headers[name]);
      }
    }
  });

  it('serves a file without variants as it is, and a missing asset as 404', async () => {
    const svg = await send('/favicon.svg', { 'accept-encoding': 'br, gzip' });
    expect(svg.status).toBe(200);
    expect(svg.headers['content-encoding']).toBeUndefined();
    expect(svg.raw.toString()).toContain('<svg');
    expect((await send('/assets/missing-1234.js', { 'accept-encoding': 'br' })).status).toBe(404);
  });
});

describe('JSON answers', () => {
  it('compresses a JSON answer above 1 KiB for a client that accepts it, and not for one that does not', async () => {
    const plain = await send('/api/devices');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(1_024);
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    const devices = JSON.parse(plain.raw.toString()) as unknown[];
    expect(devices).toHaveLength(40);

    for (const [accept, encoding] of [
      ['br, gzip', 'br'],
      ['gzip', 'gzip'],
    ] as const) {
      const res = await send('/api/devices', { 'accept-encoding': accept });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      expect(Number(res.headers['content-length'])).toBe(res.raw.length);
      expect(res.raw.length).toBeLessThan(plain.raw.length / 3);
      expect(decoded(res)).toBe(plain.raw.toString());
    }
  });

  it('leaves a small JSON answer (and an error) uncompressed', async () => {
    const health = await send('/api/health', { 'accept-encoding': 'br, gzip' });
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    const missing = await send('/api/devices/nobody', { 'accept-encoding': 'br, gzip' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD on a JSON route with the headers GET sends and no body', async () => {
    const get = await send('/api/devices', { 'accept-encoding': 'gzip' });
    const head = await send('/api/devices', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'vary'])
      expect(head.headers[name], name).toBe(get.headers[name]);
  });
});

describe('the live stream', () => {
  it('is never compressed and delivers each event as it is published', async () => {
    const { hostname, port } = new URL(base);
    const received: string[] = [];
    let headers: IncomingHttpHeaders = {};
    const req = request({ hostname, port, path: '/api/stream', headers: { 'accept-encoding': 'br, gzip', accept: 'text/event-stream' } });
    const opened = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => received.push(chunk));
        resolve();
      });
      req.on('error', reject);
    });
    req.end();
    try {
      await opened;
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(headers['content-encoding']).toBeUndefined();
      expect(headers['content-length']).toBeUndefined();
      // Each event reaches the client on its own, in plain text, while the stream stays open.
      for (const n of [1, 2]) {
        const started = performance.now();
        api.hub.publish('device', { device: `dev-${n}`, status: 'online' }, `dev-${n}`);
        await expect.poll(() => received.join(''), { timeout: 2_000, interval: 5 }).toContain(`"device":"dev-${n}"`);
        // A generous bound against a compressor holding events back, not a performance target.
        expect(performance.now() - started).toBeLessThan(1_500);
      }
    } finally {
      req.destroy();
    }
  });
});
