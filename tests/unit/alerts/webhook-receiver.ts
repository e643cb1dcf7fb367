/**
 * A real alert-webhook receiver on a loopback port for the WebhookSender tests. It decides per
 * request whether to answer (and with which status and headers) or to hold the request open, so
 * every test controls exactly when a delivery is "in flight" and waits for conditions instead of
 * sleeping. Call `closeAll` after each test.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, vi } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { silentLogger } from '../../../lib/logger.ts';
import { WebhookSender, type WebhookOptions, type WebhookPayload } from '../../../alerts/webhook.ts';

export interface Arrival {
  readonly payload: WebhookPayload;
  /** The body exactly as received, for signature checks. */
  readonly raw: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
  /** Answers a held request. */
  respond(status: number): void;
  /** Resolves when the sender hung up before an answer (abort or timeout). */
  readonly abandoned: Promise<void>;
}

/** 'hold' leaves the request open until the test answers it (or the sender gives up). */
export type Answer = number | 'hold' | { readonly status: number; readonly headers: Readonly<Record<string, string>> };

export interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** The nth request (0-based), once it has arrived. */
  arrival(n: number): Promise<Arrival>;
  ids(): string[];
  close(): Promise<void>;
}

export const open: Receiver[] = [];
export const senders: WebhookSender[] = [];

export async function closeAll(): Promise<void> {
  for (const s of senders.splice(0)) await s.stop();
  for (const r of open.splice(0)) await r.close();
}

export async function receiver(answer: (n: number, payload: WebhookPayload) => Answer = () => 204): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const waiting = new Map<number, (a: Arrival) => void>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const payload = JSON.parse(raw) as WebhookPayload;
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
      const arrival: Arrival = { payload, raw, headers: req.headers, at: performance.now(), respond, abandoned };
      arrivals.push(arrival);
      waiting.get(n)?.(arrival);
      waiting.delete(n);
      const a = answer(n, payload);
      if (typeof a === 'object') {
        for (const [name, value] of Object.entries(a.headers)) res.setHeader(name, value);
        respond(a.status);
      } else if (a !== 'hold') respond(a);
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

export function sender(r: Receiver, options: Partial<WebhookOptions> = {}): WebhookSender {
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

export function alert(id: string, over: Partial<Alert> = {}): Alert {
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
export const drained = (s: WebhookSender) => vi.waitFor(() => expect(s.stats.queued).toBe(0), { timeout: 5_000, interval: 2 });
