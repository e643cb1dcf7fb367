/**
 * The one order of alert lists (SPEC "Alerts"): firing before resolved, then severity, then the
 * newest first. A list sorted by time alone let resolved noise push a firing critical off the
 * panel. Kept apart from alert.ts (which hashes with node:crypto) so the dashboard can import it.
 */
import type { Severity } from './rule.ts';

export interface OrderedAlert {
  readonly id: string;
  readonly device: string;
  readonly state: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly startedAt: number;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** Firing first, then critical > warning > info, then newest first; ties by device, then id. */
export function compareAlerts(a: OrderedAlert, b: OrderedAlert): number {
  return (
    (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.startedAt - a.startedAt ||
    a.device.localeCompare(b.device) ||
    a.id.localeCompare(b.id)
  );
}
