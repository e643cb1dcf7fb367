import type { Router } from '@koa/router';
import { z } from 'zod';
import type { ApiServices } from '../context.ts';
import { describeRoute, intParam, parseQuery } from '../route-docs.ts';

const rejectedQuery = z.object({
  device: z.string().optional().meta({ description: 'only this device', example: 'sim-001' }),
  limit: intParam('limit', 1, 1000, 100).meta({ description: 'at most this many, newest first (1-1000, default 100)', example: '10' }),
});

const DOC = describeRoute({
  method: 'get',
  path: '/api/rejected',
  summary: 'the most recent rejected messages (bounded, newest first)',
  query: rejectedQuery,
});

export function rejectedRoutes(router: Router, services: ApiServices): void {
  router.get(DOC.path, (ctx) => {
    const { device, limit } = parseQuery(ctx, rejectedQuery);
    const all = [...services.rejected.after(() => true)].reverse();
    ctx.body = (device !== undefined ? all.filter((r) => r.device === device) : all).slice(0, limit);
  });
}
