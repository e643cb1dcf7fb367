import type { Router } from '@koa/router';
import type { ApiServices } from '../context.ts';
import { describeRoute } from '../route-docs.ts';

const DOC = describeRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus text format (docs/deploy.md, "Metrics")',
  success: { status: 200, description: 'metrics', type: 'text/plain; version=0.0.4' },
});

export function metricsRoutes(router: Router, services: ApiServices): void {
  router.get(DOC.path, async (ctx) => {
    ctx.type = services.metrics.contentType;
    ctx.body = await services.metrics.text();
  });
}
