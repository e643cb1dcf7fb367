import type { Router } from '@koa/router';
import type { ApiServices } from '../context.ts';
import { badRequest } from '../errors.ts';

export function rejectedRoutes(router: Router, services: ApiServices): void {
  router.get('/api/rejected', (ctx) => {
    const device = ctx.query['device'];
    const rawLimit = ctx.query['limit'];
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('bad_limit', 'limit must be a whole number from 1 to 1000');
    const all = [...services.rejected.after(() => true)].reverse();
    ctx.body = (typeof device === 'string' ? all.filter((r) => r.device === device) : all).slice(0, limit);
  });
}
