/**
 * Delivers alert transitions to ALERT_WEBHOOK_URL. It never blocks the caller: send() queues,
 * one sender posts one delivery at a time.
 *
 * - A delivery that fails (refused with 5xx, 408 or 429, unreachable, timed out) goes back to the
 *   queue with a due time from the shared jittered backoff (domain/backoff.ts; a Retry-After is
 *   honoured up to the cap), and the sender moves on: one failing delivery never holds up the
 *   others. Only later transitions of the same alert wait for it, so a receiver still sees an
 *   alert's fired, acknowledged and resolved in that order.
 * - Any other 4xx means the receiver will never take it: it is dropped and counted (`rejected`).
 * - `maxQueue` bounds the deliveries waiting (the one in flight is held apart); when it is full,
 *   the oldest waiting one is dropped and counted (`dropped`), so the newest always gets through.
 *   (The queue once included the one in flight; dropping "the oldest" removed it mid-post.)
 * - With a secret, every attempt is signed per Standard Webhooks (webhook-signature.ts).
 */
import type { Logger } from '../lib/logger.ts';
import { RateLimitedLog } from '../lib/logger.ts';
import type { Alert } from '../domain/alert.ts';
import { backoffDelay, type BackoffPolicy } from '../domain/backoff.ts';
import { signDelivery, webhookKey } from './webhook-signature.ts';

export type WebhookEvent = 'fired' | 'resolved' | 'acknowledged';

export interface WebhookPayload {
  /** Unique per transition, so a receiver can drop a delivery it already has. */
  readonly deliveryId: string;
  readonly event: WebhookEvent;
  readonly alert: Alert;
  /** The device page around the alert's time window. */
  readonly link: string;
}

export interface WebhookStats {
  /** Deliveries the receiver answered 2xx. */
  delivered: number;
  /** Attempts that failed (refused with 5xx/408/429, unreachable or timed out); each is retried. */
  failures: number;
  /** Deliveries dropped unsent because the queue was full. */
  dropped: number;
  /** Deliveries the receiver refused for good (4xx other than 408 and 429): dropped, not retried. */
  rejected: number;
  /** Deliveries not yet delivered: the one in flight plus those waiting. */
  queued: number;
}

export interface WebhookOptions {
  readonly url: string;
  /** Base URL of the dashboard for links. */
  readonly publicUrl: string;
  readonly logger: Logger;
  /** ALERT_WEBHOOK_SECRET: signs every delivery (Standard Webhooks); `whsec_<base64>` or text. */
  readonly secret?: string;
  /** Deliveries that may wait besides the one in flight (at least 1; default 1000). */
  readonly maxQueue?: number;
  /** How long one attempt may take before it counts as a failure (default 10 s). */
  readonly timeoutMs?: number;
  /** The backoff ceiling after the first failure; it doubles per failure (default 250 ms). */
  readonly baseBackoffMs?: number;
  /** The longest wait between attempts of one delivery (default 60 s). */
  readonly maxBackoffMs?: number;
  /** For tests: the jitter's source, like Math.random. */
  readonly random?: () => number;
}

interface Delivery {
  readonly payload: WebhookPayload;
  /** The body as signed and sent: the same bytes on every attempt. */
  readonly body: string;
  /** Send order: the queue is kept in it, and "oldest" means the lowest. */
  readonly seq: number;
  failures: number;
  /** performance.now() before which it is not tried again. */
  dueAt: number;
}

type Outcome = { kind: 'delivered' | 'rejected' | 'stopped' } | { kind: 'failed'; retryAfterMs?: number };

/** Statuses a later attempt may turn into a 2xx: the receiver's trouble, not the request's. */
const RETRYABLE_4XX = new Set([408, 429]);

export class WebhookSender {
  /** Waiting deliveries in send order; never includes the one in flight. */
  private readonly queue: Delivery[] = [];
  private inFlight: Delivery | undefined;
  private seq = 0;
  private sending = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly log: RateLimitedLog;
  private readonly key: Buffer | undefined;
  private readonly backoff: BackoffPolicy;
  readonly stats: WebhookStats = { delivered: 0, failures: 0, dropped: 0, rejected: 0, queued: 0 };

  constructor(private readonly options: WebhookOptions) {
    this.log = new RateLimitedLog(options.logger);
    this.backoff = { baseMs: options.baseBackoffMs ?? 250, maxMs: options.maxBackoffMs ?? 60_000 };
    if (options.secret !== undefined) {
      const key = webhookKey(options.secret);
      if (typeof key === 'string') throw new Error(`ALERT_WEBHOOK_SECRET ${key}`);
      this.key = key;
    }
  }

  send(event: WebhookEvent, alert: Alert): void {
    if (this.stopped) return;
    const max = Math.max(1, this.options.maxQueue ?? 1_000);
    while (this.queue.length >= max) {
      const dropped = this.queue.shift()!;
      this.stats.dropped++;
      this.log.warn(
        'queue-full',
        { delivery: dropped.payload.deliveryId, maxQueue: max },
        'alert webhook queue full; dropped the oldest waiting delivery',
      );
    }
    const payload: WebhookPayload = { deliveryId: `${alert.id}:${event}`, event, alert, link: alertLink(this.options.publicUrl, alert) };
    this.queue.push({ payload, body: JSON.stringify(payload), seq: this.seq++, failures: 0, dueAt: 0 });
    this.count();
    if (this.sending) {
      // The sender may be waiting for a retry's due time; this one can go now.
      this.wake?.();
      return;
    }
    // Set here, synchronously, so a send() right after the drain finished starts a new one.
    this.sending = true;
    this.idle = this.drain();
  }

  /**
   * Stops for good: later sends are ignored, the attempt in flight is abandoned (neither delivered
   * nor a failure; it stays counted in `queued` with everything still waiting) and no retry runs.
   * Resolves once the sender is idle. Safe to call more than once.
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.abort.abort();
      this.wake?.();
    }
    return this.idle;
  }

  private count(): void {
    this.stats.queued = this.queue.length + (this.inFlight ? 1 : 0);
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && this.queue.length > 0) {
        const next = this.nextDue(performance.now());
        if ('waitMs' in next) {
          await this.sleep(next.waitMs);
          continue;
        }
        const delivery = next.delivery;
        this.queue.splice(this.queue.indexOf(delivery), 1);
        this.inFlight = delivery;
        const outcome = await this.post(delivery);
        this.inFlight = undefined;
        this.settle(delivery, outcome);
        this.count();
      }
    } finally {
      this.sending = false;
    }
  }

  /**
   * The oldest delivery that is due and has no earlier transition of its alert still waiting, or
   * how long until one is.
   */
  private nextDue(now: number): { delivery: Delivery } | { waitMs: number } {
    const blocked = new Set<string>();
    let soonest = Number.POSITIVE_INFINITY;
    for (const delivery of this.queue) {
      const alertId = delivery.payload.alert.id;
      if (blocked.has(alertId)) continue;
      blocked.add(alertId);
      if (delivery.dueAt <= now) return { delivery };
      soonest = Math.min(soonest, delivery.dueAt);
    }
    return { waitMs: Math.max(1, Math.ceil(soonest - now)) };
  }

  private settle(delivery: Delivery, outcome: Outcome): void {
    switch (outcome.kind) {
      case 'delivered':
        this.stats.delivered++;
        return;
      case 'rejected':
        this.stats.rejected++;
        return;
      case 'stopped':
        // Kept, in order, so `queued` says what was left.
        this.requeue(delivery);
        return;
      case 'failed': {
        this.stats.failures++;
        delivery.failures++;
        const delay = backoffDelay(delivery.failures, this.backoff, this.options.random);
        const wait = Math.min(this.backoff.maxMs, Math.max(delay, outcome.retryAfterMs ?? 0));
        delivery.dueAt = performance.now() + wait;
        this.requeue(delivery);
      }
    }
  }

  /** Back into the queue at its place in send order. */
  private requeue(delivery: Delivery): void {
    const at = this.queue.findIndex((d) => d.seq > delivery.seq);
    this.queue.splice(at === -1 ? this.queue.length : at, 0, delivery);
  }

  private async post(delivery: Delivery): Promise<Outcome> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'vigil-alerts' };
    if (this.key) Object.assign(headers, signDelivery(this.key, delivery.payload.deliveryId, Date.now() / 1_000, delivery.body));
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { kind: 'delivered' };
      if (this.stopped) return { kind: 'stopped' };
      if (res.status >= 400 && res.status < 500 && !RETRYABLE_4XX.has(res.status)) {
        this.log.warn(
          `rejected:${res.status}`,
          { status: res.status, delivery: delivery.payload.deliveryId },
          'alert webhook receiver refused the delivery for good; dropped',
        );
        return { kind: 'rejected' };
      }
      this.log.warn(
        `refused:${res.status}`,
        { status: res.status, delivery: delivery.payload.deliveryId },
        'alert webhook refused; retrying',
      );
      const retryAfterMs = retryAfter(res.headers.get('retry-after'));
      return retryAfterMs === undefined ? { kind: 'failed' } : { kind: 'failed', retryAfterMs };
    } catch (err) {
      if (this.stopped) return { kind: 'stopped' };
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
      this.log.warn('unreachable', { err, reason, delivery: delivery.payload.deliveryId }, 'alert webhook unreachable; retrying');
    }
    return { kind: 'failed' };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/** Retry-After as delay-seconds (the form receivers send with 429/503); undefined otherwise. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1_000;
}

export function alertLink(publicUrl: string, alert: Alert): string {
  const margin = 15 * 60_000;
  const from = alert.startedAt - margin;
  const to = (alert.resolvedAt ?? alert.startedAt) + margin;
  return `${publicUrl.replace(/\/+$/, '')}/devices/${encodeURIComponent(alert.device)}?from=${from}&to=${to}`;
}
