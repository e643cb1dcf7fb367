/**
 * Serves the built dashboard: which file a path means is decided here (unknown non-API paths get
 * index.html, for client-side routes); how it is sent (precompressed variants, validators, cache
 * policy) in static-send.ts.
 */
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context, Next } from 'koa';
import { sendStaticFile } from './static-send.ts';
import { DEVICE_ID } from '../domain/reading.ts';

/**
 * The dashboard's client-side routes (dashboard/src/lib/routes.ts), judged on the decoded path:
 * `/devices/<id>` for every id the SPEC allows, dots and colons included. Only routes that could
 * end in something extension-like need to be known here; other extension-less paths get the shell.
 */
export function isDashboardRoute(path: string): boolean {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/' || trimmed === '/alerts' || trimmed === '/rules' || trimmed === '/compare') return true;
  const device = /^\/devices\/([^/]+)$/.exec(trimmed);
  // Rule ids have no dots (domain/rule.ts), so their routes never look like assets.
  return device !== null && DEVICE_ID.test(device[1]!);
}

const DEVICE_ROUTE = /^\/devices\/[^/]+\/?$/;

/**
 * The app shell for a client-side route: a device page gets device.html (index.html that also
 * preloads the device page's chunks, dashboard/device-shell.ts) when the build has it.
 */
async function shellFor(base: string, path: string) {
  if (DEVICE_ROUTE.test(path)) {
    const file = join(base, 'device.html');
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return { file, info };
  }
  const file = join(base, 'index.html');
  return { file, info: await stat(file).catch(() => null) };
}

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
      // Asset-looking paths that do not exist are real 404s, not the app shell; but a device id may
      // contain dots (`/devices/a.b.c`), so a dashboard route is the shell whatever it ends with.
      if (extname(path) !== '' && !isDashboardRoute(path)) return next();
      ({ file, info } = await shellFor(base, path));
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
