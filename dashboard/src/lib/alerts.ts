import { compareAlerts, SEVERITY_RANK } from '../../../domain/alert-order.ts';
import type { Alert, Severity } from './api.ts';

/** The one order of every alert list (SPEC "Alerts"): firing, then severity, then newest. */
export { compareAlerts };

/** How many alerts the page keeps; older ones are one click away on the API. */
export const ALERTS_KEPT = 500;

/**
 * Two versions of one alert folded into one. An alert only moves forward (firing -> resolved,
 * unacknowledged -> acknowledged), but a refetch can race the stream's events, so whichever
 * version has seen more wins on each of the two axes.
 */
export function mergeAlert(a: Alert, b: Alert): Alert {
  const resolved = a.state === 'resolved' ? a : b.state === 'resolved' ? b : null;
  const acked = a.acknowledged ? a : b.acknowledged ? b : null;
  const base = resolved ?? b;
  return {
    ...base,
    state: resolved ? 'resolved' : 'firing',
    resolvedAt: resolved?.resolvedAt ?? null,
    acknowledged: acked !== null,
    ackedAt: acked?.ackedAt ?? null,
  };
}

/**
 * Sorted in the one order and cut to `max`, but never by dropping a firing alert: those sort
 * first, so the cut only ever takes resolved ones (a flood of firing alerts makes it longer).
 */
function keep(list: Alert[], max: number): Alert[] {
  list.sort(compareAlerts);
  if (list.length <= max) return list;
  let firing = 0;
  while (firing < list.length && list[firing]!.state === 'firing') firing++;
  return list.slice(0, Math.max(max, firing));
}

/** A copy of `list` with `alert` merged in, in the one order, at most `max` long (firing ones always kept). */
export function upsertAlert(list: readonly Alert[], alert: Alert, max = ALERTS_KEPT): Alert[] {
  const i = list.findIndex((a) => a.id === alert.id);
  const out = list.slice();
  if (i >= 0) out[i] = mergeAlert(list[i]!, alert);
  else out.push(alert);
  return keep(out, max);
}

/** A fresh list from the API merged with what the stream brought meanwhile. */
export function mergeSnapshot(current: readonly Alert[], fresh: readonly Alert[], max = ALERTS_KEPT): Alert[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  for (const alert of fresh) {
    const known = byId.get(alert.id);
    byId.set(alert.id, known ? mergeAlert(known, alert) : alert);
  }
  return keep([...byId.values()], max);
}

/** What an operator still has to look at: firing, or over but never acknowledged. */
export function needsAttention(alert: Alert): boolean {
  return alert.state === 'firing' || !alert.acknowledged;
}

/** The worst severity among firing alerts, for a badge; null when nothing fires. */
export function worstFiring(alerts: readonly Alert[]): Severity | null {
  let worst: Severity | null = null;
  for (const a of alerts)
    if (a.state === 'firing' && (worst === null || SEVERITY_RANK[a.severity] < SEVERITY_RANK[worst])) worst = a.severity;
  return worst;
}

export function formatThreshold(threshold: Alert['threshold']): string {
  if (threshold === null) return '';
  if (typeof threshold === 'number') return String(threshold);
  return `${threshold[0]} – ${threshold[1]}`;
}

/** The alarm table's filters beside its state view: severities (none = all) and a device id or part of one. */
export interface AlertFilter {
  readonly severity: readonly Severity[];
  readonly device: string;
}

export function alertMatches(alert: Alert, filter: AlertFilter): boolean {
  const device = filter.device.trim().toLowerCase();
  return (
    (filter.severity.length === 0 || filter.severity.includes(alert.severity)) &&
    (device === '' || alert.device.toLowerCase().includes(device))
  );
}

const SEVERITY_NAMES: readonly Severity[] = ['critical', 'warning', 'info'];

export function parseAlertFilter(query: URLSearchParams): AlertFilter {
  const severity = (query.get('severity') ?? '').split(',').filter((s): s is Severity => (SEVERITY_NAMES as readonly string[]).includes(s));
  return { severity, device: query.get('device') ?? '' };
}

/** /alerts with the view and filters in the query, defaults left out. */
export function alertsHref(show: string, filter: AlertFilter): string {
  const q = new URLSearchParams();
  if (show !== 'attention') q.set('show', show);
  if (filter.severity.length > 0) q.set('severity', filter.severity.join(','));
  if (filter.device.trim() !== '') q.set('device', filter.device.trim());
  const text = q.toString();
  return `/alerts${text ? `?${text}` : ''}`;
}
