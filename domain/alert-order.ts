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

/**
 * Firing first, then critical > warning > info, then newest first; ties by device, then id,
 * compared by code unit (not localeCompare), so the order is total and the same as SQLite's
 * binary collation: the alert store sorts this way in SQL before its LIMIT
 * (alerts/alert-store.ts), then sorts the page with this function.
 */
export function compareAlerts(a: OrderedAlert, b: OrderedAlert): number {
  return (
    (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.startedAt - a.startedAt ||
    codeUnitOrder(a.device, b.device) ||
    codeUnitOrder(a.id, b.id)
  );
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
