/**
 * A standalone ingest's /metrics server (INGEST_METRICS_PORT): serves the registry on loopback,
 * answers nothing else, and refuses to start beyond loopback without an operator token to ask for.
 */
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../../ingest/metrics-server.ts';
import { silentLogger } from '../../../lib/logger.ts';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('ingest metrics server', () => {
  it('serves GET and HEAD /metrics on loopback and 404s everything else', async () => {
    const registry = new Registry();
    new Counter({ name: 'vigil_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    server = await startMetricsServer(registry, 0, '127.0.0.1', undefined, silentLogger);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('vigil_test_total 3');
    expect((await fetch(`${server.url}?x=1`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });

  it('refuses to start beyond loopback without VIGIL_TOKEN, with one line naming both settings', async () => {
    await expect(startMetricsServer(new Registry(), 0, '0.0.0.0', undefined, silentLogger)).rejects.toThrow(
      /INGEST_METRICS_PORT on HOST 0\.0\.0\.0 \(not loopback\) needs VIGIL_TOKEN/,
    );
  });
});
