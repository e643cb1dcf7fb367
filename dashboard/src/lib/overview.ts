/**
 * The overview's list, as pure functions: which devices a page of GET /api/devices plus the live
 * stream make visible under a status chip, and the chips' counts. The server filters and counts
 * (it sees the whole fleet); the stream moves a device in or out between two fetches.
 */
import { deviceMatches } from '../../../domain/devices.ts';
import type { DeviceState } from './api.ts';
import type { DeviceItem } from './devices.ts';
import type { StatusFilter } from './routes.ts';

/** How many cards the overview asks for at a time; "Load more" asks for the next ones. */
export const OVERVIEW_PAGE = 200;

export type StatusCounts = Readonly<Record<DeviceState | 'all', number>>;
export type ChipCounts = Readonly<Record<DeviceState | 'all' | 'unknown', number>>;

export interface ListFilter {
  readonly q: string;
  readonly labels: readonly string[];
  readonly status: StatusFilter;
}

/**
 * The chips' numbers. During a long outage no state is known: every device counts as unknown
 * (the server's last total), none as online, stale or offline.
 */
export function chipCounts(counts: StatusCounts | null, outage: boolean): ChipCounts {
  const c = counts ?? { all: 0, online: 0, stale: 0, offline: 0 };
  return outage ? { all: c.all, online: 0, stale: 0, offline: 0, unknown: c.all } : { ...c, unknown: 0 };
}

/**
 * The counts after a device that matches the search and labels moved from one state to another,
 * until the next fetch brings the server's: the chips follow the stream at once. `total` is the
 * shown filter's (its chip's count, or every state's).
 */
export function moveCount(
  counts: StatusCounts,
  total: number,
  filter: StatusFilter,
  from: DeviceState,
  to: DeviceState,
): { counts: StatusCounts; total: number } {
  const next = { ...counts, [from]: Math.max(0, counts[from] - 1), [to]: counts[to] + 1 };
  const shift = filter === 'all' ? 0 : filter === to ? 1 : filter === from ? -1 : 0;
  return { counts: next, total: Math.max(0, total + shift) };
}

/**
 * Whether a device the page already holds matches the search and label filter, judged as the
 * server judges it (domain deviceMatches, label terms `k:v` or `k`): a device that enters the
 * chip's state between two fetches shows at once.
 */
export function matchesLocally(item: DeviceItem, filter: ListFilter): boolean {
  const labelsHold = filter.labels.every((term) => {
    const at = term.indexOf(':');
    const key = at < 0 ? term : term.slice(0, at);
    return at < 0 ? Object.hasOwn(item.labels, key) : item.labels[key] === term.slice(at + 1);
  });
  return labelsHold && deviceMatches(item, filter.q.trim().toLowerCase());
}

export interface Visible {
  /** The server's ids for the loaded pages, in its order. */
  readonly ids: readonly string[];
  /** Devices that moved into the chip's state (or were first heard of) since the last fetch began. */
  readonly entered: readonly string[];
  readonly status: StatusFilter;
  readonly get: (id: string) => DeviceItem | undefined;
}

/**
 * The cards to show: the server's answer and what entered since, under the chip's state as last
 * known. A device shown under a chip leaves as soon as the stream says it changed state; one that
 * entered it shows before the next fetch confirms it. The last known state, never the shown one:
 * during a long outage every card says `unknown`, and a chip must not hide them for that.
 */
export function visibleDevices(v: Visible): DeviceItem[] {
  const out: DeviceItem[] = [];
  const seen = new Set<string>();
  for (const id of [...v.ids, ...v.entered]) {
    if (seen.has(id)) continue;
    const item = v.get(id);
    if (!item || (v.status !== 'all' && item.status !== v.status)) continue;
    seen.add(id);
    out.push(item);
  }
  return out;
}

/**
 * What stands in until the server answers a new filter: the devices the page holds that match it
 * as the server would, at most one page of them.
 */
export function previewDevices(items: readonly DeviceItem[], filter: ListFilter): DeviceItem[] {
  const out: DeviceItem[] = [];
  for (const item of items) {
    if (out.length >= OVERVIEW_PAGE) break;
    if ((filter.status === 'all' || item.status === filter.status) && matchesLocally(item, filter)) out.push(item);
  }
  return out;
}
