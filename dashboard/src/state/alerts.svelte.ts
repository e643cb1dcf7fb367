import { api, type Alert, type BulkAck } from '../lib/api.ts';
import { mergeSnapshot, needsAttention, upsertAlert } from '../lib/alerts.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { LiveStream } from './live.svelte.ts';
import type { Session } from './session.svelte.ts';

const FILTERED_POLL_MS = 30_000;

/** Alerts: the recent ones from /api/alerts, kept current by the stream's `alert` events. */
export class Alerts {
  list = $state.raw<Alert[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  readonly firing = $derived(this.list.filter((a) => a.state === 'firing'));
  readonly attention = $derived(this.list.filter(needsAttention));
  readonly #firingByDevice = $derived(countBy(this.firing));

  readonly #stream: LiveStream;
  readonly #session: Session;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(stream: LiveStream, session: Session) {
    this.#stream = stream;
    this.#session = session;
  }

  firingFor(device: string): number {
    return this.#firingByDevice.get(device) ?? 0;
  }

  start(): () => void {
    const stops = [
      this.#stream.on('alert', (alert) => (this.list = upsertAlert(this.list, alert))),
      this.#stream.onResync(() => void this.load()),
    ];
    void this.load();
    // While the stream carries one device's events (the device page), other devices' alerts do
    // not arrive live; the firing count in the header is kept true by refetching now and then.
    const poll = setInterval(() => void (this.#stream.filtered && !this.error ? this.load() : undefined), FILTERED_POLL_MS);
    return () => {
      for (const stop of stops) stop();
      clearTimeout(this.#retry);
      clearInterval(poll);
    };
  }

  /** Every firing alert, however old, plus the most recent ones of any state. */
  async load(): Promise<void> {
    clearTimeout(this.#retry);
    try {
      const [active, recent] = await Promise.all([api.alerts({ state: 'active', limit: 1000 }), api.alerts({ state: 'all', limit: 200 })]);
      this.list = mergeSnapshot(this.list, [...recent, ...active]);
      this.loaded = true;
      this.error = null;
      this.#failures = 0;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.#retry = setTimeout(() => void this.load(), backoffDelay(this.#failures++));
    }
  }

  /** POST /api/alerts/:id/ack, with the note (if any) kept with the alert. */
  async acknowledge(alert: Alert, note?: string): Promise<void> {
    const text = note?.trim() || undefined;
    const updated = await this.#session.asOperator(`Sign in to acknowledge the alert on ${alert.device}.`, () => api.ack(alert.id, text));
    this.list = upsertAlert(this.list, updated);
  }

  /** Bulk acknowledge (POST /api/alerts/ack), with an optional note kept on every alert. */
  async acknowledgeMany(ids: readonly string[], note: string): Promise<BulkAck> {
    const result = await this.#session.asOperator(`Sign in to acknowledge ${ids.length} alert${ids.length === 1 ? '' : 's'}.`, () =>
      api.ackMany(ids, note.trim() || undefined),
    );
    this.list = mergeSnapshot(this.list, result.alerts);
    return result;
  }

  /** Older alerts matching the alarm table's filters than the recent ones loaded at start. */
  async loadMatching(q: { device?: string; severity?: string }): Promise<void> {
    const found = await api.alerts({ state: 'all', limit: 500, ...q });
    this.list = mergeSnapshot(this.list, found);
  }
}

function countBy(alerts: readonly Alert[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of alerts) out.set(a.device, (out.get(a.device) ?? 0) + 1);
  return out;
}
