/**
 * DNS rebinding guard. While reads are open (the API listens on loopback), a web page on another
 * site can point its own host name at 127.0.0.1 and read the API from the victim's browser; the
 * browser then sends that name as Host. So only requests naming this server are served: loopback
 * names, the bound HOST, and PUBLIC_URL's host. Beyond loopback reads need the token anyway.
 */
import type { Context, Next } from 'koa';
import type { VigilConfig } from '../lib/config.ts';
import { HttpError } from './errors.ts';
import { isLoopbackHost } from './token.ts';

/** `example.com:8080` -> `example.com`, `[::1]:8080` -> `::1`. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function allowedHosts(config: VigilConfig): Set<string> {
  const hosts = new Set(['localhost', '127.0.0.1', '::1', config.http.host.toLowerCase()]);
  try {
    hosts.add(new URL(config.publicUrl).hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  } catch {
    // publicUrl is validated by the config schema; nothing to add if it somehow is not a URL.
  }
  return hosts;
}

export function hostGuard(config: VigilConfig) {
  const guarding = isLoopbackHost(config.http.host);
  const allowed = allowedHosts(config);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!guarding) return next();
    const name = hostName(ctx.get('Host'));
    if (allowed.has(name) || isLoopbackHost(name) || name.endsWith('.localhost')) return next();
    throw new HttpError(
      403,
      'bad_host',
      `this server does not answer to the host name ${JSON.stringify(name.slice(0, 80))}; use localhost or set PUBLIC_URL`,
    );
  };
}
