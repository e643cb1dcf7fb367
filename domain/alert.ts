/**
 * Alert objects (SPEC "Alerts") and how transitions change them. An alert's id is derived from
 * what identifies it (rule, device, metric, start), so two evaluators that briefly overlap
 * during a hand-over write the same alert instead of two.
 */
import { createHash } from 'node:crypto';
import type { Severity } from './rule.ts';

export interface Transition {
  readonly kind: 'fired' | 'resolved';
  readonly ruleId: string;
  readonly device: string;
  readonly metric: string | null;
  readonly severity: Severity;
  /** Event time of the transition. */
  readonly ts: number;
  /** When the alert started (equals ts for `fired`). */
  readonly startedAt: number;
  readonly value: number | null;
  readonly threshold: number | [number, number] | null;
  readonly message: string;
}

export interface Alert {
  readonly id: string;
  readonly ruleId: string;
  readonly device: string;
  readonly metric: string | null;
  readonly severity: Severity;
  readonly state: 'firing' | 'resolved';
  readonly acknowledged: boolean;
  /** The value that fired it, then the value that resolved it. */
  readonly value: number | null;
  readonly threshold: number | [number, number] | null;
  readonly startedAt: number;
  readonly resolvedAt: number | null;
  readonly ackedAt: number | null;
  /** What the operator wrote when acknowledging (at most MAX_ACK_NOTE characters), or null. */
  readonly ackNote: string | null;
  readonly message: string;
}

export const MAX_ACK_NOTE = 1_000;

export function alertId(ruleId: string, device: string, metric: string | null, startedAt: number): string {
  return createHash('sha256')
    .update(`${ruleId}\u0000${device}\u0000${metric ?? ''}\u0000${startedAt}`)
    .digest('base64url')
    .slice(0, 20);
}

/** The alert after a transition; `current` is the stored alert with the same id, if any. */
export function applyTransition(current: Alert | undefined, t: Transition): Alert {
  const id = alertId(t.ruleId, t.device, t.metric, t.startedAt);
  if (t.kind === 'fired') {
    return (
      current ?? {
        id,
        ruleId: t.ruleId,
        device: t.device,
        metric: t.metric,
        severity: t.severity,
        state: 'firing',
        acknowledged: false,
        value: t.value,
        threshold: t.threshold,
        startedAt: t.startedAt,
        resolvedAt: null,
        ackedAt: null,
        ackNote: null,
        message: t.message,
      }
    );
  }
  const base = current ?? applyTransition(undefined, { ...t, kind: 'fired' });
  return { ...base, state: 'resolved', resolvedAt: t.ts, value: t.value ?? base.value, message: t.message };
}

export function acknowledge(alert: Alert, at: number, note: string | null = null): Alert {
  return alert.acknowledged ? alert : { ...alert, acknowledged: true, ackedAt: at, ackNote: note };
}

// The one list order of alerts is domain/alert-order.ts (free of node imports, for the dashboard).
