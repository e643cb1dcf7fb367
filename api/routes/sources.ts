import type { Router } from '@koa/router';
import type { ApiServices } from '../context.ts';

/** SPEC "Device sources": the sources ingest runs with their counters, and topics none of them took. */
export function sourceRoutes(router: Router, services: ApiServices): void {
  router.get('/api/sources', (ctx) => {
    ctx.body = services.sources.sources();
  });
  router.get('/api/sources/unmatched', (ctx) => {
    ctx.body = services.sources.unmatched();
  });
}
