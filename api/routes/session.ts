import type { Router } from '@koa/router';
import { z } from 'zod';
import { describeRoute } from '../route-docs.ts';
import { SESSION_COOKIE } from '../auth.ts';
import { readJson } from '../body.ts';
import type { ApiServices } from '../context.ts';
import { badRequest, HttpError } from '../errors.ts';

const SESSION_DAYS = 30;

const signIn = z.object({ token: z.string().min(1).meta({ description: 'the operator token (VIGIL_TOKEN)' }) });

const DOCS = {
  get: describeRoute({
    method: 'get',
    path: '/api/session',
    summary: 'whether this client is signed in as the operator, and whether reads are open',
  }),
  post: describeRoute({
    method: 'post',
    path: '/api/session',
    summary: 'signs in: the token becomes an HttpOnly, SameSite=Strict cookie (10 failures a minute per address, then 429)',
    body: signIn,
  }),
  delete: describeRoute({
    method: 'delete',
    path: '/api/session',
    summary: 'signs out',
    success: { status: 204, description: 'signed out' },
  }),
};

/** Sign-in for the dashboard: the token is sent once and becomes an HttpOnly cookie. */
export function sessionRoutes(router: Router, services: ApiServices): void {
  const { auth, config } = services;

  // The dashboard also learns here what it cannot guess: when a device counts as stale (so it
  // can say "unknown" once the stream has been down that long) and where devices publish.
  router.get(DOCS.get.path, (ctx) => {
    ctx.body = { operator: auth.check(ctx), readsOpen: auth.readsOpen, staleAfterMs: config.staleAfterMs, topicPrefix: config.topicPrefix };
  });

  router.post(DOCS.post.path, async (ctx) => {
    const parsed = signIn.safeParse(await readJson(ctx));
    if (!parsed.success) throw badRequest('bad_token', 'send {"token": "<VIGIL_TOKEN>"}');
    const { token } = parsed.data;
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

  router.delete(DOCS.delete.path, (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0, overwrite: true });
    ctx.status = 204;
  });
}
