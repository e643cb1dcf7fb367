import type { Router } from '@koa/router';
import { openApiDocument } from '../openapi.ts';
import { describedRoutes, describeRoute } from '../route-docs.ts';

const VERSION = '0.1.0';

const DOC = describeRoute({ method: 'get', path: '/api/openapi.json', summary: 'this document: OpenAPI 3.1 for every route' });

/** Registered last, so every other route has described itself; built once per app. */
export function openApiRoutes(router: Router): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  router.get(DOC.path, (ctx) => {
    document ??= openApiDocument(describedRoutes(), VERSION);
    ctx.body = document;
  });
}
