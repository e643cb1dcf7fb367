import type { Router } from '@koa/router';
import { z } from 'zod';
import { isDeviceId } from '../../domain/reading.ts';
import { AlertFanOut } from '../../alerts/fan-out.ts';
import type { ApiServices } from '../context.ts';
import { notFound } from '../errors.ts';
import { describeRoute, intParam, parseQuery } from '../route-docs.ts';

const alertsQuery = z.object({
  state: z
    .enum(['active', 'all'], { error: 'state must be active or all' })
    .optional()
    .transform((s) => s ?? 'active')
    .meta({ description: '`active` (default) or `all`', example: 'all' }),
  device: z.string().refine(isDeviceId, 'device must be a device id').optional().meta({ description: 'one device id', example: 'sim-001' }),
  limit: intParam('limit', 1, 1000, 100).meta({ description: 'at most this many, newest first (1-1000, default 100)', example: '10' }),
});

const DOCS = {
  list: describeRoute({ method: 'get', path: '/api/alerts', summary: 'alerts, newest first', query: alertsQuery }),
  ack: describeRoute({ method: 'post', path: '/api/alerts/:id/ack', summary: 'acknowledges one alert', operator: true }),
};

export function alertRoutes(router: Router, services: ApiServices): void {
  const { alerts, auth, bus } = services;
  // Through the broker, so every API process streams an acknowledgement, this one included.
  const fanOut = new AlertFanOut({ alerts, store: services.store, bus, webhook: services.webhook });

  router.get(DOCS.list.path, (ctx) => {
    const { state, device, limit } = parseQuery(ctx, alertsQuery);
    ctx.body = alerts.listAlerts({ state, limit, ...(device !== undefined ? { device } : {}) });
  });

  router.post(DOCS.ack.path, auth.requireOperator(), (ctx) => {
    const id = ctx.params['id'] ?? '';
    const acked = fanOut.acknowledge(id, services.now());
    if (!acked) throw notFound(`alert ${id}`);
    ctx.body = acked.alert;
  });
}
