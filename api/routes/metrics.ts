import type { Router } from '@koa/router';
import type { ApiServices } from '../context.ts';

export function metricsRoutes(router: Router, services: ApiServices): void {
  router.get('/metrics', async (ctx) => {
    ctx.type = services.metrics.contentType;
    ctx.body = await services.metrics.text();
  });
}
