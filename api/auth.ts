/**
 * Operator auth: `Authorization: Bearer <token>`, or the dashboard's session cookie (HttpOnly,
 * SameSite=Strict) which holds an HMAC of the token rather than the token itself. Changes always
 * need it; reads need it only when the API listens beyond loopback. Failed attempts are
 * rate-limited per address: past the limit a wrong token gets 429 instead of 401, but the right
 * token is always accepted, so nobody can lock the operator out by failing on purpose (the
 * token's 144+ random bits, not the limiter, are what make guessing hopeless).
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

  /** True for a valid token or cookie; a wrong one counts against the caller's address. */
  check(ctx: Context): boolean {
    const header = ctx.get('Authorization');
    if (header) return this.judge(ctx, header.startsWith('Bearer ') && tokenMatches(this.token, header.slice(7).trim()));
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (cookie === undefined) return false;
    return this.judge(ctx, tokenMatches(this.sessionValue, cookie));
  }

  /** Sign-in: a wrong token counts as a failure like any other. */
  signIn(ctx: Context, given: string): boolean {
    return this.judge(ctx, tokenMatches(this.token, given));
  }

  /** The right token passes even while its address is limited; a wrong one is counted, or refused with 429. */
  private judge(ctx: Context, ok: boolean): boolean {
    if (ok) return true;
    const wait = this.limiter.retryAfter(ctx.ip);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw new HttpError(429, 'too_many_attempts', `too many failed sign-in attempts; try again in ${wait} s`);
    }
    this.limiter.fail(ctx.ip);
    return false;
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
      if (!this.check(ctx))
        throw new HttpError(401, 'unauthorized', 'this needs the operator token: Authorization: Bearer <VIGIL_TOKEN>, or sign in');
      return next();
    };
  }
}
