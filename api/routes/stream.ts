import type { Router } from '@koa/router';
import { z } from 'zod';
import { isDeviceId, isMetricName } from '../../domain/reading.ts';
import type { ApiServices } from '../context.ts';
import { describeRoute, listParam, parseQuery } from '../route-docs.ts';
import type { StreamFilter } from '../sse/client.ts';

const EVENT_TYPES = new Set(['reading', 'alert', 'device']);

const streamQuery = z.object({
  devices: listParam('devices', isDeviceId).meta({ description: 'comma-separated device ids; default all', example: 'sim-001,sim-002' }),
  metrics: listParam('metrics', isMetricName).meta({ description: 'comma-separated metric names; default all', example: 'temperature' }),
  events: listParam('events', (e) => EVENT_TYPES.has(e)).meta({
    description: 'comma-separated event types: reading, alert, device; default all',
    example: 'reading,alert',
  }),
  lastEventId: z.string().optional().meta({ description: 'resume after this event id (as the Last-Event-ID header)', example: 'boot-1' }),
});

const DOC = describeRoute({
  method: 'get',
  path: '/api/stream',
  summary: 'Server-Sent Events: reading, alert, device, reset; resume with Last-Event-ID',
  query: streamQuery,
  success: { status: 200, description: 'an event stream', type: 'text/event-stream' },
});

export function streamRoutes(router: Router, services: ApiServices): void {
  router.get(DOC.path, (ctx) => {
    const query = parseQuery(ctx, streamQuery);
    const filter = toFilter(query);
    if (ctx.method === 'HEAD') {
      // The headers a GET would get, and no stream: a HEAD is not a client of the hub.
      ctx.status = 200;
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache, no-transform');
      return;
    }
    const lastEventId = ctx.get('Last-Event-ID') || query.lastEventId || undefined;
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

function toFilter(query: z.output<typeof streamQuery>): StreamFilter {
  const filter: { devices?: Set<string>; metrics?: Set<string>; events?: Set<string> } = {};
  if (query.devices) filter.devices = new Set(query.devices);
  if (query.metrics) filter.metrics = new Set(query.metrics);
  if (query.events) filter.events = new Set(query.events);
  return filter;
}
