import type { Router, RouterContext } from '@koa/router';
import { isDeviceId, isMetricName } from '../../domain/reading.ts';
import type { ApiServices } from '../context.ts';
import { badRequest } from '../errors.ts';
import type { StreamFilter } from '../sse/client.ts';

const EVENT_TYPES = new Set(['reading', 'alert', 'device']);

export function streamRoutes(router: Router, services: ApiServices): void {
  router.get('/api/stream', (ctx) => {
    const filter = parseFilter(ctx);
    if (ctx.method === 'HEAD') {
      // The headers a GET would get, and no stream: a HEAD is not a client of the hub.
      ctx.status = 200;
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache, no-transform');
      return;
    }
    const lastEventId = ctx.get('Last-Event-ID') || one(ctx.query['lastEventId']) || undefined;
    // Koa must not touch this response again: the hub owns it until the client leaves.
    ctx.respond = false;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    services.hub.attach(ctx.res, filter, lastEventId);
  });
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(ctx: RouterContext, name: string, valid: (v: string) => boolean): Set<string> | undefined {
  const raw = one(ctx.query[name]);
  if (raw === undefined || raw === '') return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.find((v) => !valid(v));
  if (bad !== undefined) throw badRequest(`bad_${name}`, `${name} has an invalid entry ${JSON.stringify(bad.slice(0, 80))}`);
  return new Set(items);
}

function parseFilter(ctx: RouterContext): StreamFilter {
  const filter: { devices?: Set<string>; metrics?: Set<string>; events?: Set<string> } = {};
  const devices = list(ctx, 'devices', isDeviceId);
  const metrics = list(ctx, 'metrics', isMetricName);
  const events = list(ctx, 'events', (e) => EVENT_TYPES.has(e));
  if (devices) filter.devices = devices;
  if (metrics) filter.metrics = metrics;
  if (events) filter.events = events;
  return filter;
}
