/**
 * A standalone ingest's own GET /metrics on INGEST_METRICS_PORT (on HOST, loopback by default):
 * a tiny node:http server, so each ingest replica is its own Prometheus target and no process
 * re-exports another's counters. Started and stopped with ingest. Beyond loopback it asks for
 * the operator token like the API's /metrics does, so it needs VIGIL_TOKEN there.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.ts';
import { closer, isLoopbackHost, listen } from '../lib/net.ts';

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  token: string | undefined,
  logger: Logger,
): Promise<MetricsServer> {
  const open = isLoopbackHost(host);
  if (!open && token === undefined)
    throw new Error(`INGEST_METRICS_PORT on HOST ${host} (not loopback) needs VIGIL_TOKEN: Prometheus sends it as a bearer token`);
  const allowed = (req: IncomingMessage) => open || (token !== undefined && bearerMatches(token, req.headers.authorization));
  const server = createServer((req, res) => void answer(registry, req, res, allowed, logger));
  const close = closer(server);
  await listen(server, port, host, 'INGEST_METRICS_PORT');
  const bound = (server.address() as { port: number }).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
  logger.info({ url }, 'ingest metrics listening');
  return { url, port: bound, stop: close };
}

function bearerMatches(token: string, header: string | undefined): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(header.slice(7).trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

async function answer(
  registry: Registry,
  req: IncomingMessage,
  res: ServerResponse,
  allowed: (req: IncomingMessage) => boolean,
  logger: Logger,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end('not found\n');
    return;
  }
  if (!allowed(req)) {
    res
      .writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="vigil"' })
      .end('needs the operator token\n');
    return;
  }
  try {
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType, 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (err) {
    logger.error({ err }, 'cannot render ingest metrics');
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
  }
}
