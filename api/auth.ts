/**
 * Operator auth: `Authorization: Bearer <token>`, or the dashboard's session cookie (HttpOnly,
 * SameSite=Strict) which holds an HMAC of the token rather than the token itself. Changes always
 * need it; reads need it only when the API listens beyond loopback. Failed attempts are
 * rate-limited per address.
 */
import { createHmac } from 'node:crypto';
import type { Context, Next } from 'koa';
import { HttpError } from './errors.ts';
import { FailureLimiter } from './rate-limit.ts';
import { isLoopbackHost, tokenMatches } from './token.ts';

export const SESSION_COOKIE = 'vigil_session';

export class OperatorAuth {
  readonly sessionValue: string;
  private readonly limiter = new FailureLimiter();
  readonly readsOpen: boolean;

  constructor(
    readonly token: string,
    host: string,
  ) {
    // Changing VIGIL_TOKEN changes this value, which signs every dashboard out.
    this.sessionValue = createHmac('sha256', token).update('vigil-session-v1').digest('base64url');
    this.readsOpen = isLoopbackHost(host);
  }

  /** True for a valid token or cookie; counts a wrong one against the caller's address. */
  check(ctx: Context): boolean {
    this.refuseIfLimited(ctx);
    const header = ctx.get('Authorization');
    if (header) {
      const ok = header.startsWith('Bearer ') && tokenMatches(this.token, header.slice(7).trim());
      if (!ok) this.limiter.fail(ctx.ip);
      return ok;
    }
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (cookie === undefined) return false;
    const ok = tokenMatches(this.sessionValue, cookie);
    if (!ok) this.limiter.fail(ctx.ip);
    return ok;
  }

  /** Sign-in: a wrong token counts as a failure like any other. */
  signIn(ctx: Context, given: string): boolean {
    this.refuseIfLimited(ctx);
    if (tokenMatches(this.token, given)) return true;
    this.limiter.fail(ctx.ip);
    return false;
  }

  private refuseIfLimited(ctx: Context): void {
    const wait = this.limiter.retryAfter(ctx.ip);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw new HttpError(429, 'too_many_attempts', `too many failed sign-in attempts; try again in ${wait} s`);
    }
  }

  requireRead() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const guarded = ctx.path.startsWith('/api/') || ctx.path === '/metrics';
      // Health stays open for load balancers; sign-in must be reachable to get a session at all.
      const exempt = ctx.path === '/api/health' || ctx.path === '/api/session';
      if (this.readsOpen || !guarded || exempt || this.check(ctx)) return next();
      throw new HttpError(401, 'unauthorized', 'this server needs the operator token for reads: Authorization: Bearer <VIGIL_TOKEN>');
    };
  }

  requireOperator() {
    return async (ctx: Context, next: Next): Promise<void> => {
      if (!this.check(ctx)) throw new HttpError(401, 'unauthorized', 'this needs the operator token: Authorization: Bearer <VIGIL_TOKEN>, or sign in');
      return next();
    };
  }
}
