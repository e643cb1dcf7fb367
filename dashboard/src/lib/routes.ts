export type Route = { readonly name: 'overview' } | { readonly name: 'device'; readonly id: string } | { readonly name: 'not-found' };

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'overview' };
  const m = /^\/devices\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { name: 'device', id: decodeURIComponent(m[1]!) };
    } catch {
      return { name: 'not-found' };
    }
  }
  return { name: 'not-found' };
}

export function deviceHref(id: string, range?: RangeKey): string {
  const path = `/devices/${encodeURIComponent(id)}`;
  return range && range !== DEFAULT_RANGE ? `${path}?range=${range}` : path;
}

/** The chart ranges an operator picks from (SPEC "Dashboard"). */
export const RANGES = { '5m': 5 * 60_000, '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 } as const;
export type RangeKey = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeKey = '1h';

export function parseRangeKey(value: string | null): RangeKey {
  return value !== null && Object.hasOwn(RANGES, value) ? (value as RangeKey) : DEFAULT_RANGE;
}
