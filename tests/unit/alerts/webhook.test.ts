/**
 * The alert webhook queue against a real receiver on a loopback port (webhook-receiver.ts):
 * delivery, the queue bound, retries and stop. Signing is in webhook-signing.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../lib/logger.ts';
import { alertLink, WebhookSender } from '../../../alerts/webhook.ts';
import { alert, closeAll, drained, open, receiver, sender, senders } from './webhook-receiver.ts';

afterEach(closeAll);

describe('WebhookSender delivery', () => {
  it('POSTs each transition once, in order, as {deliveryId, event, alert, link}', async () => {
    const r = await receiver();
    const s = sender(r);
    s.send('fired', alert('a1'));
    s.send('fired', alert('a2'));
    s.send('resolved', alert('a1', { state: 'resolved', resolvedAt: 1_700_000_060_000 }));
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a2:fired', 'a1:resolved']);
    const first = r.arrivals[0]!.payload;
    expect(first.event).toBe('fired');
    expect(first.alert.id).toBe('a1');
    expect(first.link).toBe('http://dash.example/devices/d1?from=1699999100000&to=1700000900000');
    expect(s.stats).toEqual({ delivered: 3, failures: 0, dropped: 0, rejected: 0, queued: 0 });
  });

  it('never lets one failing delivery hold up the others: they go while it waits for its retry', async () => {
    // a1 is refused once; its retry is due 250 ms later, long after a2 and a3 could go.
    const r = await receiver((n) => (n === 0 ? 503 : 204));
    const s = sender(r, { baseBackoffMs: 500, maxBackoffMs: 500, random: () => 0 });
    s.send('fired', alert('a1'));
    s.send('fired', alert('a2'));
    s.send('fired', alert('a3'));
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a2:fired', 'a3:fired', 'a1:fired']);
    expect(s.stats).toEqual({ delivered: 3, failures: 1, dropped: 0, rejected: 0, queued: 0 });
  });

  it("keeps one alert's transitions in order: a resolve waits for its alert's failing fire", async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 204));
    const s = sender(r);
    s.send('fired', alert('a1'));
    s.send('resolved', alert('a1', { state: 'resolved', resolvedAt: 1_700_000_060_000 }));
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired', 'a1:fired', 'a1:resolved']);
    expect(s.stats).toEqual({ delivered: 2, failures: 2, dropped: 0, rejected: 0, queued: 0 });
  });

  it.each([400, 401, 404, 410, 413, 422])(
    'drops and counts a delivery the receiver refuses for good with %i, without retrying',
    async (status) => {
      const r = await receiver((_n, p) => (p.alert.id === 'a1' ? status : 204));
      const s = sender(r);
      s.send('fired', alert('a1'));
      s.send('fired', alert('a2'));
      await drained(s);
      expect(r.ids()).toEqual(['a1:fired', 'a2:fired']);
      expect(s.stats).toEqual({ delivered: 1, failures: 0, dropped: 0, rejected: 1, queued: 0 });
    },
  );

  it.each([408, 429, 500, 502, 503])('retries a delivery refused with %i', async (status) => {
    const r = await receiver((n) => (n === 0 ? status : 204));
    const s = sender(r);
    s.send('fired', alert('a1'));
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired']);
    expect(s.stats).toEqual({ delivered: 1, failures: 1, dropped: 0, rejected: 0, queued: 0 });
  });

  it('counts a delivery as queued from send until the receiver answers 2xx', async () => {
    const r = await receiver(() => 'hold');
    const s = sender(r);
    s.send('fired', alert('a1'));
    s.send('fired', alert('a2'));
    expect(s.stats.queued).toBe(2);
    (await r.arrival(0)).respond(200);
    (await r.arrival(1)).respond(200);
    await drained(s);
    expect(s.stats).toEqual({ delivered: 2, failures: 0, dropped: 0, rejected: 0, queued: 0 });
  });
});

describe('WebhookSender when the queue is full (regression: the delivery in flight was removed)', () => {
  it('keeps the delivery in flight and drops the oldest waiting one, so the newest is delivered', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { maxQueue: 1 });
    s.send('fired', alert('a1'));
    const inFlight = await r.arrival(0);
    s.send('fired', alert('a2'));
    s.send('fired', alert('a3')); // the queue (1 waiting) is full: a2, the oldest waiting, goes
    inFlight.respond(200);
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a3:fired']);
    expect(s.stats).toEqual({ delivered: 2, failures: 0, dropped: 1, rejected: 0, queued: 0 });
  });

  it('does not count the delivery in flight against maxQueue: nothing is dropped at maxQueue waiting', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { maxQueue: 2 });
    s.send('fired', alert('a1'));
    const inFlight = await r.arrival(0);
    s.send('fired', alert('a2'));
    s.send('fired', alert('a3'));
    expect(s.stats).toMatchObject({ dropped: 0, rejected: 0, queued: 3 });
    inFlight.respond(200);
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a2:fired', 'a3:fired']);
    expect(s.stats).toEqual({ delivered: 3, failures: 0, dropped: 0, rejected: 0, queued: 0 });
  });

  it('retries the delivery in flight when it fails while the queue overflowed', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { maxQueue: 1 });
    s.send('fired', alert('a1'));
    const inFlight = await r.arrival(0);
    s.send('fired', alert('a2'));
    s.send('fired', alert('a3'));
    inFlight.respond(500);
    await drained(s);
    // a3 does not wait for a1's retry.
    expect(r.ids()).toEqual(['a1:fired', 'a3:fired', 'a1:fired']);
    expect(s.stats).toEqual({ delivered: 2, failures: 1, dropped: 1, rejected: 0, queued: 0 });
  });

  it('accounts for every delivery: delivered + dropped = sent, each once, the newest kept', async () => {
    const r = await receiver(() => 'hold');
    const s = sender(r, { maxQueue: 3 });
    const delivered: string[] = [];
    let sent = 0;
    let n = 0;
    const answer = async (status: number) => {
      const a = await r.arrival(n++);
      if (status < 300) delivered.push(a.payload.deliveryId);
      a.respond(status);
      // The sender either posts the next one or has nothing left.
      await vi.waitFor(() => expect(r.arrivals.length > n || s.stats.queued === 0).toBe(true), { timeout: 5_000, interval: 2 });
    };
    s.send('fired', alert(`x${sent++}`));
    for (let round = 0; round < 4; round++) {
      await r.arrival(n); // one in flight; overflow the queue behind it
      for (let i = 0; i < 5; i++) s.send('fired', alert(`x${sent++}`));
      await answer(round % 2 === 0 ? 204 : 500);
    }
    while (s.stats.queued > 0) await answer(204);
    expect(s.stats.delivered + s.stats.dropped).toBe(sent);
    expect(delivered.length).toBe(s.stats.delivered);
    // Failed ones are retried after those behind them, so the order is not kept; each arrives once.
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.at(-1)).toBe(`x${sent - 1}:fired`);
  });
});

describe('WebhookSender retries', () => {
  it('waits the jittered backoff between attempts: at least half the ceiling, which doubles up to the cap', async () => {
    const r = await receiver((n) => (n < 4 ? 500 : 204));
    // random() = 0: the shortest wait the jitter allows, half the ceiling (20, 40, 50, 50).
    const s = sender(r, { baseBackoffMs: 40, maxBackoffMs: 100, random: () => 0 });
    s.send('fired', alert('a1'));
    await drained(s);
    const at = r.arrivals.map((a) => a.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Timers never fire early; allow 2 ms for clock granularity between two processes' views.
    expect(gaps.map((g, i) => g >= [20, 40, 50, 50][i]! - 2)).toEqual([true, true, true, true]);
    expect(s.stats).toEqual({ delivered: 1, failures: 4, dropped: 0, rejected: 0, queued: 0 });
  });

  it('waits as long as a 429 or 503 Retry-After asks, up to the cap', async () => {
    const r = await receiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : 204));
    const s = sender(r, { baseBackoffMs: 1, maxBackoffMs: 1_500 });
    s.send('fired', alert('a1'));
    await drained(s);
    const [first, second] = r.arrivals.map((a) => a.at);
    expect(second! - first!).toBeGreaterThanOrEqual(1_000 - 2);
    expect(s.stats).toEqual({ delivered: 1, failures: 1, dropped: 0, rejected: 0, queued: 0 });
  });

  it('gives up on a receiver that never answers after timeoutMs, counts a failure and retries', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { timeoutMs: 50 });
    s.send('fired', alert('a1'));
    const first = await r.arrival(0);
    await first.abandoned;
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired']);
    expect(s.stats).toEqual({ delivered: 1, failures: 1, dropped: 0, rejected: 0, queued: 0 });
  });

  it('counts an unreachable receiver as a failure and keeps the delivery queued', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    open.splice(open.indexOf(r), 1);
    const s = new WebhookSender({ url, publicUrl: 'http://dash.example', logger: silentLogger, baseBackoffMs: 1, maxBackoffMs: 2 });
    senders.push(s);
    s.send('fired', alert('a1'));
    await vi.waitFor(() => expect(s.stats.failures).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 2 });
    expect(s.stats).toMatchObject({ delivered: 0, dropped: 0, rejected: 0, queued: 1 });
  });
});

describe('WebhookSender.stop()', () => {
  it('abandons the delivery in flight, posts nothing more and resolves once idle', async () => {
    const r = await receiver(() => 'hold');
    const s = sender(r);
    s.send('fired', alert('a1'));
    const inFlight = await r.arrival(0);
    s.send('fired', alert('a2'));
    await s.stop();
    await inFlight.abandoned;
    s.send('fired', alert('a3')); // ignored after stop
    expect(r.ids()).toEqual(['a1:fired']);
    // Nothing was delivered, nothing failed (we hung up, not the receiver): both stay queued.
    expect(s.stats).toEqual({ delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 2 });
  });

  it('ends a backoff wait at once instead of sleeping it out', async () => {
    const r = await receiver(() => 500);
    const s = sender(r, { baseBackoffMs: 60_000, maxBackoffMs: 60_000 });
    s.send('fired', alert('a1'));
    await vi.waitFor(() => expect(s.stats.failures).toBe(1), { interval: 2 });
    const started = performance.now();
    await s.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(r.arrivals.length).toBe(1);
    expect(s.stats).toEqual({ delivered: 0, failures: 1, dropped: 0, rejected: 0, queued: 1 });
  });

  it('is idempotent and harmless when nothing was sent', async () => {
    const r = await receiver();
    const s = sender(r);
    await s.stop();
    await s.stop();
    expect(s.stats).toEqual({ delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 0 });
  });
});

describe('alertLink', () => {
  it.each([
    ['firing: 15 min either side of the start', 'http://d/', alert('a'), 'http://d/devices/d1?from=1699999100000&to=1700000900000'],
    [
      'resolved: up to 15 min after the end',
      'http://d',
      alert('a', { resolvedAt: 1_700_000_600_000 }),
      'http://d/devices/d1?from=1699999100000&to=1700001500000',
    ],
    [
      'device ids are encoded',
      'http://d//',
      alert('a', { device: 'a b/c' }),
      'http://d/devices/a%20b%2Fc?from=1699999100000&to=1700000900000',
    ],
  ] as const)('%s', (_name, base, a, expected) => {
    expect(alertLink(base, a)).toBe(expected);
  });
});
