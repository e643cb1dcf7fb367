import type { Router } from '@koa/router';
import { SESSION_COOKIE } from '../auth.ts';
import { readJson } from '../body.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';

const SESSION_DAYS = 30;

/** Sign-in for the dashboard: the token is sent once and becomes an HttpOnly cookie. */
export function sessionRoutes(router: Router, services: ApiServices): void {
  const { auth, config } = services;

  // The dashboard also learns here what it cannot guess: when a device counts as stale (so it
  // can say "unknown" once the stream has been down that long) and where devices publish.
  router.get('/api/session', (ctx) => {
    ctx.body = { operator: auth.check(ctx), readsOpen: auth.readsOpen, staleAfterMs: config.staleAfterMs, topicPrefix: config.topicPrefix };
  });

  router.post('/api/session', async (ctx) => {
    const body = await readJson(ctx);
    const token = typeof body === 'object' && body !== null && 'token' in body ? (body as { token: unknown }).token : undefined;
    if (typeof token !== 'string' || token === '') throw badRequest('bad_token', 'send {"token": "<VIGIL_TOKEN>"}');
    if (!auth.signIn(ctx, token)) throw new HttpError(401, 'unauthorized', 'that is not the operator token');
    ctx.cookies.set(SESSION_COOKIE, auth.sessionValue, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: ctx.secure,
      maxAge: SESSION_DAYS * 86_400_000,
      overwrite: true,
    });
    ctx.body = { operator: true };
  });

  router.delete('/api/session', (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0, overwrite: true });
    ctx.status = 204;
  });
}
