/**
 * Standard Webhooks signing of alert deliveries, checked by a receiver on a loopback port with
 * a verifier written independently from the spec (not alerts/webhook-signature.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.ts';
import { WebhookSender } from '../../../alerts/webhook.ts';
import { alert, closeAll, drained, receiver, sender } from './webhook-receiver.ts';

afterEach(closeAll);

/**
 * Standard Webhooks verification written from the spec, independent of alerts/webhook-signature.ts:
 * the key is the base64 after whsec_, the signed content "<id>.<timestamp>.<body>", and the header
 * a space-separated list of "v1,<base64>" of which one must match.
 */
function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, mac] = entry.split(',');
    if (version !== 'v1' || mac === undefined) return false;
    const given = Buffer.from(mac, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('WebhookSender signing (Standard Webhooks)', () => {
  const SECRET = `whsec_${Buffer.from('a 32-byte key for the test only!').toString('base64')}`;

  it('signs every attempt so an independent verifier accepts it, with the same webhook-id on retries', async () => {
    const r = await receiver((n) => (n === 0 ? 503 : 204));
    const s = sender(r, { secret: SECRET });
    s.send('fired', alert('a1'));
    await drained(s);
    expect(r.arrivals).toHaveLength(2);
    for (const a of r.arrivals) {
      expect(verifyStandardWebhook(SECRET, a.headers, a.raw, Date.now() / 1_000)).toBe(true);
      expect(a.headers['webhook-id']).toBe('a1:fired');
      expect(a.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    }
    // A tampered body, another secret or a stale timestamp does not verify.
    const a = r.arrivals[0]!;
    expect(verifyStandardWebhook(SECRET, a.headers, a.raw.replace('a1', 'a2'), Date.now() / 1_000)).toBe(false);
    expect(verifyStandardWebhook(`whsec_${Buffer.from('another key').toString('base64')}`, a.headers, a.raw, Date.now() / 1_000)).toBe(
      false,
    );
    expect(verifyStandardWebhook(SECRET, a.headers, a.raw, Date.now() / 1_000 + 3_600)).toBe(false);
  });

  it('takes a plain-text secret as its UTF-8 bytes', async () => {
    const r = await receiver();
    const s = sender(r, { secret: 'plain shared secret' });
    s.send('fired', alert('a1'));
    await drained(s);
    const a = r.arrivals[0]!;
    expect(verifyStandardWebhook('plain shared secret', a.headers, a.raw, Date.now() / 1_000)).toBe(true);
  });

  it('sends no signature headers without a secret', async () => {
    const r = await receiver();
    const s = sender(r);
    s.send('fired', alert('a1'));
    await drained(s);
    expect(Object.keys(r.arrivals[0]!.headers).filter((h) => h.startsWith('webhook-'))).toEqual([]);
  });

  it.each(['whsec_', 'whsec_not base64!', ''])('refuses the secret %j at construction', (secret) => {
    expect(() => new WebhookSender({ url: 'http://127.0.0.1:9/', publicUrl: 'http://d', logger: silentLogger, secret })).toThrow(
      /ALERT_WEBHOOK_SECRET/,
    );
  });
});
