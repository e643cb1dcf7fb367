import type { Router } from '@koa/router';
import type { ApiServices } from '../context.ts';
import { describeRoute } from '../route-docs.ts';

const SOURCES = describeRoute({
  method: 'get',
  path: '/api/sources',
  summary: 'device sources ingest runs, with their counters summed over ingest instances',
});
const UNMATCHED = describeRoute({
  method: 'get',
  path: '/api/sources/unmatched',
  summary: 'topics seen that no source took, newest first, with the last payload (1 KiB) and a suggested preset',
});

/** SPEC "Device sources": the sources ingest runs with their counters, and topics none of them took. */
export function sourceRoutes(router: Router, services: ApiServices): void {
  router.get(SOURCES.path, (ctx) => {
    ctx.body = services.sources.sources();
  });
  router.get(UNMATCHED.path, (ctx) => {
    ctx.body = services.sources.unmatched();
  });
}
