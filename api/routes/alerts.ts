import type { Router } from '@koa/router';
import { isDeviceId } from '../../domain/reading.ts';
import { AlertFanOut } from '../../alerts/fan-out.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';

export function alertRoutes(router: Router, services: ApiServices): void {
  const { alerts, auth, bus } = services;
  // Through the broker, so every API process streams an acknowledgement, this one included.
  const fanOut = new AlertFanOut({ alerts, store: services.store, bus, webhook: services.webhook });

  router.get('/api/alerts', (ctx) => {
    const state = ctx.query['state'] ?? 'active';
    if (state !== 'active' && state !== 'all') throw badRequest('bad_state', 'state must be active or all');
    const device = ctx.query['device'];
    if (device !== undefined && (typeof device !== 'string' || !isDeviceId(device)))
      throw badRequest('bad_device', 'device must be a device id');
    const rawLimit = ctx.query['limit'];
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('bad_limit', 'limit must be a whole number from 1 to 1000');
    ctx.body = alerts.listAlerts({ state, limit, ...(typeof device === 'string' ? { device } : {}) });
  });

  router.post('/api/alerts/:id/ack', auth.requireOperator(), (ctx) => {
    const id = ctx.params['id'] ?? '';
    const acked = fanOut.acknowledge(id, services.now());
    if (!acked) throw notFound(`alert ${id}`);
    ctx.body = acked.alert;
  });
}
