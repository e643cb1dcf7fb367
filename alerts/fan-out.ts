/**
 * The one place an alert change goes out: stored in the alert store, published on
 * vigil/events/alert (every API process streams it), sent to the webhook, and recorded beside the
 * telemetry (store.recordAlertEvent). The alerter uses it for fired/resolved, the API for
 * acknowledgements.
 */
import type { Alert, Transition } from '../domain/alert.ts';
import { alertId, applyTransition } from '../domain/alert.ts';
import { BUS, publishBus, type BusPublisher } from '../bus/index.ts';
import type { AlertEventKind, TelemetryStore } from '../store/port.ts';
import type { AlertStore, BulkAcknowledgement } from './alert-store.ts';
import type { WebhookEvent } from './webhook.ts';

export interface AlertFanOutDeps {
  readonly alerts: Pick<AlertStore, 'getAlert' | 'recordTransition' | 'acknowledge' | 'acknowledgeMany'>;
  readonly store: Pick<TelemetryStore, 'recordAlertEvent'>;
  readonly bus: BusPublisher;
  /** Absent without ALERT_WEBHOOK_URL. */
  readonly webhook?: { send(event: WebhookEvent, alert: Alert): void } | undefined;
}

export interface Acknowledged {
  readonly alert: Alert;
  /** False when it was already acknowledged (here or by another API process): nothing went out. */
  readonly changed: boolean;
}

export class AlertFanOut {
  constructor(private readonly deps: AlertFanOutDeps) {}

  /** Stores a fired/resolved transition and sends it on; returns the alert as stored. */
  transition(t: Transition): Alert {
    const { alerts } = this.deps;
    const stored = alerts.recordTransition(applyTransition(alerts.getAlert(alertId(t.ruleId, t.device, t.metric, t.startedAt)), t));
    this.announce(stored, t.kind, t.ts);
    return stored;
  }

  /** Acknowledges once, keeping the note with it; undefined for an unknown id. */
  acknowledge(id: string, at: number, note: string | null = null): Acknowledged | undefined {
    const { alerts } = this.deps;
    const before = alerts.getAlert(id);
    if (!before) return undefined;
    if (before.acknowledged) return { alert: before, changed: false };
    const after = alerts.acknowledge(id, at, note);
    if (!after) return undefined;
    // The store sets acked_at only if nobody acknowledged it first; another time means someone else did, and announced it.
    const changed = after.acknowledged && after.ackedAt === at;
    if (changed) this.announce(after, 'acknowledged', at);
    return { alert: after, changed };
  }

  /**
   * Acknowledges several in one transaction; each one this call acknowledged then goes out as a
   * single acknowledgement does (bus, webhook, telemetry store), in the order asked.
   */
  acknowledgeMany(ids: readonly string[], at: number, note: string | null = null): BulkAcknowledgement {
    const result = this.deps.alerts.acknowledgeMany(ids, at, note);
    for (const alert of result.acknowledged) this.announce(alert, 'acknowledged', at);
    return result;
  }

  private announce(alert: Alert, kind: AlertEventKind, ts: number): void {
    publishBus(this.deps.bus, BUS.alert, alert);
    this.deps.webhook?.send(kind, alert);
    this.deps.store.recordAlertEvent(alert, kind, ts);
  }
}
