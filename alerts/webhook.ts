/**
 * Delivers alert transitions to ALERT_WEBHOOK_URL: a bounded queue drained by one sender, each
 * delivery retried with backoff until the receiver answers 2xx. It never blocks the caller; when
 * the queue is full the oldest delivery is dropped and counted.
 */
import type { Logger } from '../lib/logger.ts';
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
  delivered: number;
  failures: number;
  dropped: number;
  queued: number;
}

export interface WebhookOptions {
  readonly url: string;
  /** Base URL of the dashboard for links. */
  readonly publicUrl: string;
  readonly logger: Logger;
  readonly maxQueue?: number;
  readonly timeoutMs?: number;
  readonly maxBackoffMs?: number;
}

export class WebhookSender {
  private readonly queue: WebhookPayload[] = [];
  private sending = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  readonly stats: WebhookStats = { delivered: 0, failures: 0, dropped: 0, queued: 0 };

  constructor(private readonly options: WebhookOptions) {}

  send(event: WebhookEvent, alert: Alert): void {
    if (this.stopped) return;
    const max = this.options.maxQueue ?? 1_000;
    if (this.queue.length >= max) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push({ deliveryId: `${alert.id}:${event}`, event, alert, link: alertLink(this.options.publicUrl, alert) });
    this.stats.queued = this.queue.length;
    if (!this.sending) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    let attempt = 0;
    while (!this.stopped && this.queue.length > 0) {
      const payload = this.queue[0]!;
      if (await this.post(payload)) {
        this.queue.shift();
        this.stats.delivered++;
        this.stats.queued = this.queue.length;
        attempt = 0;
        continue;
      }
      this.stats.failures++;
      attempt++;
      await this.sleep(Math.min(this.options.maxBackoffMs ?? 60_000, 250 * 2 ** Math.min(attempt, 12)));
    }
    this.sending = false;
  }

  private async post(payload: WebhookPayload): Promise<boolean> {
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'vigil-alerts' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      this.options.logger.warn({ status: res.status, delivery: payload.deliveryId }, 'alert webhook refused; retrying');
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, delivery: payload.deliveryId }, 'alert webhook unreachable; retrying');
    }
    return false;
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

export function alertLink(publicUrl: string, alert: Alert): string {
  const margin = 15 * 60_000;
  const from = alert.startedAt - margin;
  const to = (alert.resolvedAt ?? alert.startedAt) + margin;
  return `${publicUrl.replace(/\/+$/, '')}/devices/${encodeURIComponent(alert.device)}?from=${from}&to=${to}`;
}
