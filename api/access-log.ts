/**
 * One access log line per HTTP request at info (method, path, status, ms, bytes), and the same
 * request counted in vigil_http_requests_total. The path is logged without its query string: a
 * query may carry a resume id or filters nobody asked to keep. An SSE stream (the route hands
 * the response to the hub) gets one line when it opens and one when it closes.
 */
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.ts';
import type { MetricsRegistry } from './metrics.ts';

/** The router's pattern for the matched route (bounded), or a fixed name: never a raw path. */
function routeOf(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.path.startsWith('/api/')) return 'unmatched';
  return 'dashboard';
}

/** The body's length when known; for a streamed body, what went to the socket (headers included). */
function bytesOf(ctx: Context, socketBefore: number): number {
  const declared = Number(ctx.response.get('Content-Length'));
  if (Number.isFinite(declared) && declared > 0) return declared;
  return Math.max(0, (ctx.req.socket?.bytesWritten ?? socketBefore) - socketBefore);
}

export function accessLog(logger: Logger, metrics: MetricsRegistry) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    const socketBefore = ctx.req.socket?.bytesWritten ?? 0;
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    await next();
    const route = routeOf(ctx);
    const line = { method: ctx.method, path: ctx.path, status: ctx.status };
    if (ctx.respond === false) {
      // A stream: the route wrote its head and the hub owns the response until the client leaves.
      metrics.observeRequest(ctx.method, route, ctx.res.statusCode, ms() / 1000);
      logger.info({ ...line, status: ctx.res.statusCode, ms: ms() }, 'stream opened');
      ctx.res.once('close', () =>
        logger.info({ ...line, status: ctx.res.statusCode, ms: ms(), bytes: bytesOf(ctx, socketBefore) }, 'stream closed'),
      );
      return;
    }
    // Logged once the body has gone out (a streamed CSV takes a while), or the client left.
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      metrics.observeRequest(ctx.method, route, ctx.status, ms() / 1000);
      logger.info({ ...line, status: ctx.status, ms: ms(), bytes: bytesOf(ctx, socketBefore) }, 'request');
    };
    ctx.res.once('finish', finish);
    ctx.res.once('close', finish);
  };
}

/**
 * Headers suited to the dashboard: its built index.html loads one module script and one
 * stylesheet from 'self' and has no inline script (dashboard/index.html), so the policy allows
 * no inline script. Inline styles stay allowed: Svelte's style: directives and Chart.js set
 * element styles. Framing is refused both ways (CSP and the older X-Frame-Options).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders() {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    await next();
  };
}
