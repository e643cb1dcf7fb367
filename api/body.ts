import type { Context } from 'koa';
import { HttpError } from './errors.ts';

export const JSON_BODY_LIMIT = 64 * 1024;
/** An oversized body is read and thrown away up to this, so the client gets its 413. */
const DISCARD_LIMIT = 4 * 1024 * 1024;

/**
 * Reads a JSON request body of at most `limit` bytes. Stops reading as soon as the limit is
 * passed (413), so a client cannot make the server buffer an endless upload.
 */
export async function readJson(ctx: Context, limit = JSON_BODY_LIMIT): Promise<unknown> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw new HttpError(413, 'payload_too_large', `the body is ${declared} bytes; the limit is ${limit}`);
  // application/*+json (merge-patch, problem+json, vendor types) is JSON too.
  if (!ctx.is('application/json', 'application/*+json')) throw new HttpError(400, 'bad_content_type', 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // Past the limit the rest is read and thrown away, so the client can finish sending and read
    // the 413 (cutting the connection mid-upload shows it a reset); past DISCARD_LIMIT it is cut.
    if (size > DISCARD_LIMIT) {
      ctx.req.destroy();
      break;
    }
    if (size <= limit) chunks.push(buf);
  }
  if (size > limit) {
    ctx.set('Connection', 'close');
    throw new HttpError(413, 'payload_too_large', `the body is over the limit of ${limit} bytes`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'empty_body', 'the request needs a JSON body');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}
