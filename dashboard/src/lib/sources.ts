import type { RejectedMessage } from './api.ts';

/** Each reason with how many of the listed messages it covers, most first. */
export function reasonCounts(rejected: readonly RejectedMessage[]): [reason: string, count: number][] {
  const counts = new Map<string, number>();
  for (const r of rejected) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
