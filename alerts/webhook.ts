/**
 * Delivers alert transitions to ALERT_WEBHOOK_URL: a bounded queue drained by one sender, each
 * delivery retried with backoff until the receiver answers 2xx. It never blocks the caller.
 *
 * The delivery being posted (or waiting for its retry) is held apart from the queue: `maxQueue`
 * bounds the deliveries waiting behind it, and when that is full the oldest *waiting* delivery
 * is dropped and counted, so the newest always gets through. (The queue once included the one in
 * flight; dropping "the oldest" removed it mid-post and its success then removed the next one
 * unsent.)
 */
import type { Logger } from '../lib/logger.ts';
import { RateLimitedLog } from '../lib/logger.ts';
import type { Alert } from '../domain/alert.ts';

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
  /** Attempts that failed (refused, unreachable or timed out); each is retried. */
  failures: number;
  /** Deliveries dropped unsent because the queue was full. */
  dropped: number;
  /** Deliveries not yet delivered: the one in flight plus those waiting behind it. */
  queued: number;
}

export interface WebhookOptions {
  readonly url: string;
  /** Base URL of the dashboard for links. */
  readonly publicUrl: string;
  readonly logger: Logger;
  /** Deliveries that may wait behind the one in flight (at least 1; default 1000). */
  readonly maxQueue?: number;
  /** How long one attempt may take before it counts as a failure (default 10 s). */
  readonly timeoutMs?: number;
  /** The wait before the first retry; it doubles per failed attempt (default 250 ms). */
  readonly baseBackoffMs?: number;
  /** The longest wait between attempts (default 60 s). */
  readonly maxBackoffMs?: number;
}

type Outcome = 'delivered' | 'failed' | 'stopped';

export class WebhookSender {
  /** Waiting deliveries, oldest first; never includes the one in flight. */
  private readonly queue: WebhookPayload[] = [];
  private inFlight: WebhookPayload | undefined;
  private sending = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly dropLog: RateLimitedLog;
  readonly stats: WebhookStats = { delivered: 0, failures: 0, dropped: 0, queued: 0 };

  constructor(private readonly options: WebhookOptions) {
    this.dropLog = new RateLimitedLog(options.logger);
  }

  send(event: WebhookEvent, alert: Alert): void {
    if (this.stopped) return;
    const max = Math.max(1, this.options.maxQueue ?? 1_000);
    if (this.queue.length >= max) {
      const dropped = this.queue.shift()!;
      this.stats.dropped++;
      this.dropLog.warn(
        'queue-full',
        { delivery: dropped.deliveryId, maxQueue: max },
        'alert webhook queue full; dropped the oldest waiting delivery',
      );
    }
    this.queue.push({ deliveryId: `${alert.id}:${event}`, event, alert, link: alertLink(this.options.publicUrl, alert) });
    this.count();
    if (!this.sending) {
      // Set here, synchronously, so a send() right after the drain finished starts a new one.
      this.sending = true;
      this.idle = this.drain();
    }
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
      while (!this.stopped) {
        const payload = this.queue.shift();
        if (!payload) break;
        this.inFlight = payload;
        const delivered = await this.deliver(payload);
        this.inFlight = undefined;
        // Undelivered only when stopped: keep it at the head so `queued` says what was left.
        if (!delivered) this.queue.unshift(payload);
        this.count();
      }
    } finally {
      this.sending = false;
    }
  }

  /** Posts until a 2xx (true) or until stopped (false). */
  private async deliver(payload: WebhookPayload): Promise<boolean> {
    for (let failures = 0; !this.stopped; ) {
      const outcome = await this.post(payload);
      if (outcome === 'delivered') {
        this.stats.delivered++;
        return true;
      }
      if (outcome === 'stopped') return false;
      this.stats.failures++;
      failures++;
      if (this.stopped) return false;
      await this.sleep(retryDelayMs(failures, this.options.baseBackoffMs ?? 250, this.options.maxBackoffMs ?? 60_000));
    }
    return false;
  }

  private async post(payload: WebhookPayload): Promise<Outcome> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'vigil-alerts' },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'delivered';
      if (this.stopped) return 'stopped';
      this.options.logger.warn({ status: res.status, delivery: payload.deliveryId }, 'alert webhook refused; retrying');
    } catch (err) {
      if (this.stopped) return 'stopped';
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
      this.options.logger.warn({ err, reason, delivery: payload.deliveryId }, 'alert webhook unreachable; retrying');
    }
    return 'failed';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** The wait after `failures` failed attempts in a row: base, doubling, capped at max. */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
}

export function alertLink(publicUrl: string, alert: Alert): string {
  const margin = 15 * 60_000;
  const from = alert.startedAt - margin;
  const to = (alert.resolvedAt ?? alert.startedAt) + margin;
  return `${publicUrl.replace(/\/+$/, '')}/devices/${encodeURIComponent(alert.device)}?from=${from}&to=${to}`;
}
