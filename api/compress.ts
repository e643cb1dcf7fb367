/**
 * Compresses JSON answers above a threshold for clients that accept it (device lists and history
 * are large and repetitive: ~10x smaller). Only buffered JSON bodies: streams (the CSV export)
 * pass as they are, and the live stream is never touched: it writes to the socket itself
 * (`ctx.respond = false`), and compressing it would buffer events in the compressor.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Context, Next } from 'koa';
import { chooseEncoding } from './encoding.ts';

/** Below this, the headers and the CPU cost more than the bytes saved. */
export const COMPRESS_MIN_BYTES = 1_024;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export function compressJson(minBytes = COMPRESS_MIN_BYTES) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    // HEAD too, so its headers (Content-Encoding, Content-Length) are the ones GET would send.
    if (ctx.respond === false || !isJson(ctx)) return;
    const body = jsonBytes(ctx.body);
    // Whether this answer is compressed depends on Accept-Encoding, size or not.
    ctx.vary('Accept-Encoding');
    if (body === undefined || body.length < minBytes || ctx.response.get('Content-Encoding') !== undefined) return;
    const encoding = chooseEncoding(ctx.get('Accept-Encoding'));
    if (!encoding) return;
    // Quality 4 / level 6: most of the gain for a small share of the CPU of the maximum.
    const compressed =
      encoding === 'br'
        ? await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
        : await gzipAsync(body, { level: 6 });
    const type = String(ctx.response.get('Content-Type') ?? '');
    ctx.body = compressed;
    ctx.type = type;
    ctx.set('Content-Encoding', encoding);
    ctx.length = compressed.length;
  };
}

function isJson(ctx: Context): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\b/.test(String(ctx.response.get('Content-Type') ?? ''));
}

/** The bytes Koa would send for a buffered JSON body; undefined for streams and the like. */
function jsonBytes(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  if (body === null || body === undefined || typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  if (typeof body === 'object') return Buffer.from(JSON.stringify(body));
  return undefined;
}
