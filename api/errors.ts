/**
 * One error funnel: every failure leaves as {"error":{"code","message"}} with a deliberate
 * status, and nothing internal (stack, SQL, paths) reaches the client.
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.ts';

export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 429 | 503;

export class HttpError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    /** More to tell the client, e.g. which field was wrong. */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

export function errorFunnel(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw new HttpError(404, 'not_found', `no route ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const { status, code, message, extra } = describe(err);
      if (status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = status;
      // RFC 6750: every 401 names the scheme it wants.
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="vigil"');
      ctx.type = 'application/json';
      ctx.body = { error: { code, message, ...extra } };
    }
  };
}

function describe(err: unknown): { status: number; code: string; message: string; extra?: Readonly<Record<string, string>> } {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, extra: err.extra };
  // Errors raised by Koa itself (body too large, bad JSON) carry an expose flag and a status.
  const e = err as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    const code = e.status === 413 ? 'payload_too_large' : typeof e.type === 'string' ? e.type.replace(/\./g, '_') : 'bad_request';
    return { status: e.status, code, message: String(e.message) };
  }
  return { status: 503, code: 'unavailable', message: 'the server could not complete the request; try again' };
}
