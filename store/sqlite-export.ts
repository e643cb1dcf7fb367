/**
 * Raw export for the SQLite store, ordered by ts then metric like the InfluxDB store's.
 *
 * One page per metric at a time, each a range scan of the (device, metric, ts) primary key, merged
 * here: ordering the device's rows by (ts, metric) in SQL would sort every remaining row for every
 * page, which made a week of 1 Hz take seconds. Between pages the event loop turns, so ingest and
 * other requests run during a long export.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '../domain/reading.ts';

const PAGE = 5_000;

interface Cursor {
  readonly metric: string;
  after: number;
  rows: Reading[];
  at: number;
  done: boolean;
}

export type ExportPage = Database.Statement<[string, string, number, number, number], Reading>;

export function prepareExportPage(db: Database.Database): ExportPage {
  return db.prepare(
    'SELECT device, metric, ts, value FROM readings WHERE device = ? AND metric = ? AND ts > ? AND ts <= ? ORDER BY ts LIMIT ?',
  );
}

export async function* exportReadings(
  page: ExportPage,
  isOpen: () => boolean,
  device: string,
  metrics: readonly string[],
  from: number,
  to: number,
): AsyncGenerator<Reading> {
  const names = [...new Set(metrics)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cursors: Cursor[] = names.map((metric) => ({ metric, after: from - 1, rows: [], at: 0, done: false }));
  const refill = (c: Cursor): boolean => {
    if (c.at < c.rows.length) return true;
    if (c.done || !isOpen()) return false;
    c.rows = page.all(device, c.metric, c.after, to, PAGE);
    c.at = 0;
    c.done = c.rows.length < PAGE;
    if (c.rows.length > 0) c.after = c.rows[c.rows.length - 1]!.ts;
    return c.rows.length > 0;
  };
  // Every cursor in `live` has a row buffered; sorted by metric, so ties in ts go to the smaller name.
  const live = cursors.filter(refill);
  while (live.length > 0) {
    // Few metrics per device: a linear pick of the smallest (ts, metric) beats a heap here.
    let best = 0;
    for (let i = 1; i < live.length; i++) if (live[i]!.rows[live[i]!.at]!.ts < live[best]!.rows[live[best]!.at]!.ts) best = i;
    const cursor = live[best]!;
    yield cursor.rows[cursor.at++]!;
    if (cursor.at < cursor.rows.length) continue;
    const fetching = !cursor.done;
    if (!refill(cursor)) live.splice(best, 1);
    if (fetching) await new Promise((resolve) => setImmediate(resolve));
  }
}
