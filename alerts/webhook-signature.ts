/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, spec 1.0): each delivery carries
 * `webhook-id` (the same on every retry, so a receiver can drop duplicates), `webhook-timestamp`
 * (unix seconds of this attempt, so a receiver can refuse replays) and `webhook-signature`,
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. The secret is given as the convention's
 * `whsec_<base64>` (the key is the decoded bytes, which is what receivers' libraries expect), or
 * as plain text, whose UTF-8 bytes are the key.
 */
import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key of a configured secret; a reason instead when it cannot be one. */
export function webhookKey(secret: string): Buffer | string {
  if (!secret.startsWith(PREFIX)) return secret.length > 0 ? Buffer.from(secret, 'utf8') : 'is empty';
  const encoded = secret.slice(PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return 'has a whsec_ prefix but what follows is not base64';
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 ? key : 'has a whsec_ prefix and nothing after it';
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export function signDelivery(key: Buffer, id: string, timestampSeconds: number, body: string): SignedHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
}
