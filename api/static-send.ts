/**
 * Sends one file of the built dashboard: the precompressed `.br` or `.gz` written beside it at
 * build time (dashboard/precompress.ts) when the client accepts one, with validators (ETag per
 * variant, Last-Modified) answered by 304, and the cache policy: a year for hashed assets, which
 * never change under their name, and revalidation every time for everything else (index.html), so
 * a new build reaches browsers on reload. HEAD gets the same headers and no body.
 */
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import type { Context } from 'koa';
import { chooseEncoding, type Encoding } from './encoding.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

interface Variant {
  readonly path: string;
  readonly info: Stats;
  readonly encoding: Encoding | null;
}

/** Answers GET or HEAD for `file` (already resolved inside the dashboard directory). */
export async function sendStaticFile(ctx: Context, file: string, info: Stats): Promise<void> {
  const variants = await precompressed(file, info);
  const encoding = chooseEncoding(
    ctx.get('Accept-Encoding'),
    variants.map((v) => v.encoding as Encoding),
  );
  const chosen = variants.find((v) => v.encoding === encoding) ?? { path: file, info, encoding: null };
  ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
  // Caches must keep the encodings apart whenever there is more than one to give.
  if (variants.length > 0) ctx.vary('Accept-Encoding');
  const etag = entityTag(info, chosen.encoding);
  ctx.set('ETag', etag);
  ctx.set('Last-Modified', info.mtime.toUTCString());
  if (notModified(ctx.get('If-None-Match'), ctx.get('If-Modified-Since'), etag, info.mtimeMs)) {
    ctx.status = 304;
    return;
  }
  if (chosen.encoding) ctx.set('Content-Encoding', chosen.encoding);
  // Also for HEAD: Koa sends the headers without the body and closes the stream; a null body
  // would turn the answer into a bare 204.
  ctx.status = 200;
  ctx.body = createReadStream(chosen.path);
  ctx.length = chosen.info.size;
}

/**
 * The `.br`/`.gz` files beside `file` that belong to this build of it: not older than it, to the
 * second (the build copies the original's mtime onto them, and utimes keeps less precision).
 */
async function precompressed(file: string, info: Stats): Promise<Variant[]> {
  const found: Variant[] = [];
  for (const encoding of ['br', 'gzip'] as const) {
    const path = file + SUFFIX[encoding];
    const variant = await stat(path).catch(() => null);
    if (variant?.isFile() && Math.floor(variant.mtimeMs / 1_000) >= Math.floor(info.mtimeMs / 1_000))
      found.push({ path, info: variant, encoding });
  }
  return found;
}

/**
 * A strong tag per representation: the original's size and mtime, plus the encoding, since a
 * gzip body is not byte-for-byte the brotli one (RFC 9110 §8.8.3).
 */
export function entityTag(info: Pick<Stats, 'size' | 'mtimeMs'>, encoding: Encoding | null): string {
  return `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${encoding ? `-${encoding}` : ''}"`;
}

/**
 * RFC 9110 §13.1: If-None-Match decides when present (weak comparison, any of the listed tags
 * or *); only without it does If-Modified-Since (whole seconds, as Last-Modified has them).
 */
export function notModified(ifNoneMatch: string, ifModifiedSince: string, etag: string, mtimeMs: number): boolean {
  if (ifNoneMatch !== '') {
    if (ifNoneMatch.trim() === '*') return true;
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
  }
  if (ifModifiedSince === '') return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && Math.floor(mtimeMs / 1_000) * 1_000 <= since;
}
