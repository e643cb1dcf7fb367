/**
 * The alert webhook queue against a real receiver on a loopback port. The receiver decides per
 * request whether to answer (and with which status) or to hold the request open, so every test
 * controls exactly when a delivery is "in flight" and waits for conditions instead of sleeping.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { silentLogger } from '../../../lib/logger.ts';
import { alertLink, retryDelayMs, WebhookSender, type WebhookOptions, type WebhookPayload } from '../../../alerts/webhook.ts';

interface Arrival {
  readonly payload: WebhookPayload;
  readonly at: number;
  /** Answers a held request. */
  respond(status: number): void;
  /** Resolves when the sender hung up before an answer (abort or timeout). */
  readonly abandoned: Promise<void>;
}

/** 'hold' leaves the request open until the test answers it (or the sender gives up). */
type Answer = number | 'hold';

interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** The nth request (0-based), once it has arrived. */
  arrival(n: number): Promise<Arrival>;
  ids(): string[];
  close(): Promise<void>;
}

const open: Receiver[] = [];
const senders: WebhookSender[] = [];

afterEach(async () => {
  for (const s of senders.splice(0)) await s.stop();
  for (const r of open.splice(0)) await r.close();
});

async function receiver(answer: (n: number, payload: WebhookPayload) => Answer = () => 204): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const waiting = new Map<number, (a: Arrival) => void>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
      const n = arrivals.length;
      const abandoned = new Promise<void>((resolve) =>
        res.on('close', () => {
          if (!res.writableFinished) resolve();
        }),
      );
      const respond = (status: number) => {
        res.statusCode = status;
        res.end();
      };
      const arrival: Arrival = { payload, at: performance.now(), respond, abandoned };
      arrivals.push(arrival);
      waiting.get(n)?.(arrival);
      waiting.delete(n);
      const a = answer(n, payload);
      if (a !== 'hold') respond(a);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const r: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    arrival: (n) => (arrivals[n] ? Promise.resolve(arrivals[n]) : new Promise((resolve) => waiting.set(n, resolve))),
    ids: () => arrivals.map((a) => a.payload.deliveryId),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  open.push(r);
  return r;
}

function sender(r: Receiver, options: Partial<WebhookOptions> = {}): WebhookSender {
  const s = new WebhookSender({
    url: r.url,
    publicUrl: 'http://dash.example/',
    logger: silentLogger,
    baseBackoffMs: 1,
    maxBackoffMs: 5,
    ...options,
  });
  senders.push(s);
  return s;
}

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    ruleId: 'r1',
    device: 'd1',
    metric: 't',
    severity: 'warning',
    state: 'firing',
    acknowledged: false,
    value: 31,
    threshold: 30,
    startedAt: 1_700_000_000_000,
    resolvedAt: null,
    ackedAt: null,
    ackNote: null,
    message: 't above 30',
    ...over,
  };
}

/** Waits (polling, bounded) until the sender has nothing left to deliver. */
const drained = (s: WebhookSender) => vi.waitFor(() => expect(s.stats.queued).toBe(0), { timeout: 5_000, interval: 2 });

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
    expect(s.stats).toEqual({ delivered: 3, failures: 0, dropped: 0, queued: 0 });
  });

  it('keeps order across retries: a refused delivery holds back the ones behind it', async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 204));
    const s = sender(r);
    s.send('fired', alert('a1'));
    s.send('fired', alert('a2'));
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired', 'a1:fired', 'a2:fired']);
    expect(s.stats).toEqual({ delivered: 2, failures: 2, dropped: 0, queued: 0 });
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
    expect(s.stats).toEqual({ delivered: 2, failures: 0, dropped: 0, queued: 0 });
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
    expect(s.stats).toEqual({ delivered: 2, failures: 0, dropped: 1, queued: 0 });
  });

  it('does not count the delivery in flight against maxQueue: nothing is dropped at maxQueue waiting', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { maxQueue: 2 });
    s.send('fired', alert('a1'));
    const inFlight = await r.arrival(0);
    s.send('fired', alert('a2'));
    s.send('fired', alert('a3'));
    expect(s.stats).toMatchObject({ dropped: 0, queued: 3 });
    inFlight.respond(200);
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a2:fired', 'a3:fired']);
    expect(s.stats).toEqual({ delivered: 3, failures: 0, dropped: 0, queued: 0 });
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
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired', 'a3:fired']);
    expect(s.stats).toEqual({ delivered: 2, failures: 1, dropped: 1, queued: 0 });
  });

  it('accounts for every delivery: delivered + dropped = sent, in order, each once, the newest kept', async () => {
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
    const order = delivered.map((id) => Number(id.slice(1, id.indexOf(':'))));
    expect(order).toEqual([...new Set(order)].sort((a, b) => a - b));
    expect(delivered.at(-1)).toBe(`x${sent - 1}:fired`);
  });
});

describe('WebhookSender retries', () => {
  it.each([
    // failures so far, base, max, delay before the next attempt
    [1, 250, 60_000, 250],
    [2, 250, 60_000, 500],
    [3, 250, 60_000, 1_000],
    [8, 250, 60_000, 32_000],
    [9, 250, 60_000, 60_000],
    [1_000, 250, 60_000, 60_000],
    [3, 10, 25, 25],
  ] as const)('after %i failures (base %i ms, cap %i ms) waits %i ms', (failures, base, max, expected) => {
    expect(retryDelayMs(failures, base, max)).toBe(expected);
  });

  it('waits at least the backoff between attempts, doubling up to the cap', async () => {
    const r = await receiver((n) => (n < 4 ? 500 : 204));
    const s = sender(r, { baseBackoffMs: 20, maxBackoffMs: 50 });
    s.send('fired', alert('a1'));
    await drained(s);
    const at = r.arrivals.map((a) => a.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // Timers never fire early; allow 2 ms for clock granularity between two processes' views.
    expect(gaps.map((g, i) => g >= [20, 40, 50, 50][i]! - 2)).toEqual([true, true, true, true]);
    expect(s.stats).toEqual({ delivered: 1, failures: 4, dropped: 0, queued: 0 });
  });

  it('gives up on a receiver that never answers after timeoutMs, counts a failure and retries', async () => {
    const r = await receiver((n) => (n === 0 ? 'hold' : 204));
    const s = sender(r, { timeoutMs: 50 });
    s.send('fired', alert('a1'));
    const first = await r.arrival(0);
    await first.abandoned;
    await drained(s);
    expect(r.ids()).toEqual(['a1:fired', 'a1:fired']);
    expect(s.stats).toEqual({ delivered: 1, failures: 1, dropped: 0, queued: 0 });
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
    expect(s.stats).toMatchObject({ delivered: 0, dropped: 0, queued: 1 });
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
    expect(s.stats).toEqual({ delivered: 0, failures: 0, dropped: 0, queued: 2 });
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
    expect(s.stats).toEqual({ delivered: 0, failures: 1, dropped: 0, queued: 1 });
  });

  it('is idempotent and harmless when nothing was sent', async () => {
    const r = await receiver();
    const s = sender(r);
    await s.stop();
    await s.stop();
    expect(s.stats).toEqual({ delivered: 0, failures: 0, dropped: 0, queued: 0 });
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
