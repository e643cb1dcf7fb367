import type { DeviceState } from './api.ts';
import type { ChartRange } from './chart-range.ts';

export type Route =
  | { readonly name: 'overview' }
  | { readonly name: 'device'; readonly id: string }
  | { readonly name: 'alerts' }
  | { readonly name: 'sources' }
  | { readonly name: 'compare' }
  | { readonly name: 'rules'; readonly edit: string | null }
  | { readonly name: 'not-found' };

/** `edit`: null for the list alone, "new" for a new rule, or the id of the rule being edited. */
export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'overview' };
  if (path === '/alerts') return { name: 'alerts' };
  if (path === '/sources') return { name: 'sources' };
  if (path === '/compare') return { name: 'compare' };
  if (path === '/rules') return { name: 'rules', edit: null };
  const m = /^\/(devices|rules)\/([^/]+)$/.exec(path);
  if (m) {
    try {
      const id = decodeURIComponent(m[2]!);
      return m[1] === 'devices' ? { name: 'device', id } : { name: 'rules', edit: id };
    } catch {
      return { name: 'not-found' };
    }
  }
  return { name: 'not-found' };
}

/** The chart ranges an operator picks from (SPEC "Dashboard"). */
export const RANGES = {
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
} as const;
export type RangeKey = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeKey = '1h';

export function parseRangeKey(value: string | null): RangeKey {
  return value !== null && Object.hasOwn(RANGES, value) ? (value as RangeKey) : DEFAULT_RANGE;
}

/** The device page's URL: range (a preset, "last N", or from/to) and chosen metrics in the query, defaults left out. */
export function deviceHref(id: string, range?: RangeKey | ChartRange, metrics?: readonly string[] | null): string {
  const q = new URLSearchParams();
  setRange(q, range);
  if (metrics) q.set('metrics', metrics.join(','));
  const text = q.toString().replace(/%2C/g, ',');
  return `/devices/${encodeURIComponent(id)}${text ? `?${text}` : ''}`;
}

/** Writes a range as `?range=` or `?from=&to=` (epoch ms); the default range is left out. */
export function setRange(q: URLSearchParams, range: RangeKey | ChartRange | undefined): void {
  if (range === undefined) return;
  if (typeof range === 'string') {
    if (range !== DEFAULT_RANGE) q.set('range', range);
  } else if (range.kind === 'fixed') {
    q.set('from', String(Math.round(range.from)));
    q.set('to', String(Math.round(range.to)));
  } else if (range.key !== DEFAULT_RANGE) {
    q.set('range', range.key);
  }
}

/** `?metrics=a,b`: the charts to show; null (absent) means every metric the device has. */
export function parseMetrics(value: string | null): string[] | null {
  if (value === null) return null;
  return [
    ...new Set(
      value
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    ),
  ];
}

/** The compare view: every chosen metric of every chosen device on one chart. */
export function compareHref(devices: readonly string[], metrics: readonly string[], range?: RangeKey | ChartRange): string {
  const q = new URLSearchParams();
  q.set('devices', devices.join(','));
  q.set(metrics.length === 1 ? 'metric' : 'metrics', metrics.join(','));
  setRange(q, range);
  return `/compare?${q.toString().replace(/%2C/g, ',')}`;
}

export function ruleHref(id: string | null, prefill: { device?: string; metric?: string } = {}): string {
  if (id !== null) return `/rules/${encodeURIComponent(id)}`;
  const q = new URLSearchParams();
  if (prefill.device) q.set('device', prefill.device);
  if (prefill.metric) q.set('metric', prefill.metric);
  const text = q.toString();
  return `/rules/new${text ? `?${text}` : ''}`;
}

export const SORTS = { problems: 'Problems first', id: 'Name', seen: 'Last seen' } as const;
export type SortKey = keyof typeof SORTS;
export type StatusFilter = DeviceState | 'all';
const STATUSES: readonly StatusFilter[] = ['all', 'online', 'stale', 'offline'];

export interface OverviewQuery {
  readonly q: string;
  readonly status: StatusFilter;
  readonly sort: SortKey;
  /** Label filters as typed: `key:value` (or `key`) terms separated by spaces; `label=` params in the URL. */
  readonly label: string;
}

/** The label box's terms, as GET /api/devices takes them (`label=k:v`, repeatable). */
export function labelTerms(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

export function parseOverviewQuery(query: URLSearchParams): OverviewQuery {
  const status = query.get('status') ?? 'all';
  const sort = query.get('sort') ?? 'problems';
  return {
    q: query.get('q') ?? '',
    status: (STATUSES as readonly string[]).includes(status) ? (status as StatusFilter) : 'all',
    sort: Object.hasOwn(SORTS, sort) ? (sort as SortKey) : 'problems',
    label: query.getAll('label').join(' '),
  };
}

export function overviewHref(query: OverviewQuery): string {
  const q = new URLSearchParams();
  if (query.q) q.set('q', query.q);
  if (query.status !== 'all') q.set('status', query.status);
  if (query.sort !== 'problems') q.set('sort', query.sort);
  // A trailing space is kept while typing the next term.
  for (const term of labelTerms(query.label)) q.append('label', term);
  const text = q.toString();
  return `/${text ? `?${text}` : ''}`;
}
