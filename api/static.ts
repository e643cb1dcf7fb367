/**
 * Serves the built dashboard: which file a path means is decided here (unknown non-API paths get
 * index.html, for client-side routes); how it is sent (precompressed variants, validators, cache
 * policy) in static-send.ts.
 */
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context, Next } from 'koa';
import { sendStaticFile } from './static-send.ts';

export function serveDashboard(root: string) {
  const base = normalize(root) + sep;
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/') || ctx.path === '/metrics') return next();
    let path: string;
    try {
      path = decodeURIComponent(ctx.path);
    } catch {
      return next();
    }
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) return next();
    let info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      // Asset-looking paths that do not exist are real 404s, not the app shell.
      if (extname(ctx.path) !== '') return next();
      file = join(base, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        ctx.status = 503;
        ctx.type = 'text/plain';
        ctx.body = 'The dashboard is not built. Run `npm start` (it builds it) or `npm run build:dashboard`.';
        return;
      }
    }
    await sendStaticFile(ctx, file, info);
  };
}
