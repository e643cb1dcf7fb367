import type { Router } from '@koa/router';
import { isDeviceId } from '../../domain/reading.ts';
import { VIGIL_TOPICS } from '../../domain/topics.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';

export function alertRoutes(router: Router, services: ApiServices): void {
  const { alerts, auth, bus } = services;

  router.get('/api/alerts', (ctx) => {
    const state = ctx.query['state'] ?? 'active';
    if (state !== 'active' && state !== 'all') throw badRequest('bad_state', 'state must be active or all');
    const device = ctx.query['device'];
    if (device !== undefined && (typeof device !== 'string' || !isDeviceId(device))) throw badRequest('bad_device', 'device must be a device id');
    const rawLimit = ctx.query['limit'];
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('bad_limit', 'limit must be a whole number from 1 to 1000');
    ctx.body = alerts.listAlerts({ state, limit, ...(typeof device === 'string' ? { device } : {}) });
  });

  router.post('/api/alerts/:id/ack', auth.requireOperator(), (ctx) => {
    const id = ctx.params['id'] ?? '';
    const before = alerts.getAlert(id);
    if (!before) throw notFound(`alert ${id}`);
    const after = alerts.acknowledge(id)!;
    if (!before.acknowledged) {
      // Through the broker, so every API process streams it, this one included.
      bus.publish(VIGIL_TOPICS.alert, JSON.stringify(after), { qos: 1 });
      services.webhook?.send('acknowledged', after);
      services.store.recordAlertEvent(after, 'acknowledged', after.ackedAt ?? services.now());
    }
    ctx.body = after;
  });
}
