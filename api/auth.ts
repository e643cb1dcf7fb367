/**
 * Operator auth: `Authorization: Bearer <token>` or the dashboard's HttpOnly cookie. Changes
 * always need it; reads need it only when the API listens beyond loopback.
 */
import type { Context, Next } from 'koa';
import type { ApiServices } from './context.ts';
import { HttpError } from './errors.ts';
import { isLoopbackHost, tokenMatches } from './token.ts';

export const SESSION_COOKIE = 'vigil_session';

export function presentedToken(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  return ctx.cookies.get(SESSION_COOKIE) ?? undefined;
}

export function isOperator(ctx: Context, services: ApiServices): boolean {
  return tokenMatches(services.token, presentedToken(ctx));
}

export function requireReadAccess(services: ApiServices) {
  const open = isLoopbackHost(services.config.http.host);
  return async (ctx: Context, next: Next): Promise<void> => {
    const guarded = ctx.path.startsWith('/api/') || ctx.path === '/metrics';
    // Health stays open for load balancers and orchestrators; it reveals only up/down.
    if (open || !guarded || ctx.path === '/api/health' || isOperator(ctx, services)) return next();
    throw new HttpError(401, 'unauthorized', 'this server needs the operator token for reads: Authorization: Bearer <VIGIL_TOKEN>');
  };
}

export function requireOperator(services: ApiServices) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!isOperator(ctx, services)) throw new HttpError(401, 'unauthorized', 'this needs the operator token: Authorization: Bearer <VIGIL_TOKEN>');
    return next();
  };
}
