/**
 * `latest` values and `devices.last_seen` are derived from the readings: the durable data is
 * readings + rollup_1m, committed before a QoS 1 message is acknowledged. Updating the derived
 * rows in the same commit roughly doubled the pages each commit wrote (issue 18), so they are
 * coalesced here in memory and written in their own transaction every flush interval, at close,
 * and before any read that looks at them (read-your-writes in this process).
 *
 * The first reading of a new (device, metric) pair, and of a new device, still inserts its row in
 * the durable commit (rare: once per pair), so after a kill -9 every pair with readings has a
 * `latest` row and every device a `devices` row. repairAfterCrash() then brings a lagging latest
 * row up to its newest reading (one index seek per pair) and moves last_seen of such a device to
 * the last flush mark: it was seen after that mark, and at most one flush interval after it.
 */
import type Database from 'better-sqlite3';
import type { LatestValue } from './port.ts';

const FLUSH_MARK = 'derived_flushed_at';
const CLEAN_CLOSE = 'derived_clean';

export class DerivedState {
  private readonly latest = new Map<string, Map<string, LatestValue>>();
  private readonly seen = new Map<string, number>();
  /** Pairs ("device\0metric") and devices known to have a row, so the durable commit inserts only new ones. */
  private readonly knownPairs = new Set<string>();
  private readonly knownDevices = new Set<string>();
  private readonly flushTx: () => void;
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.statements = {
      upsertLatest: db.prepare<[string, string, number, number]>(
        `INSERT INTO latest (device, metric, ts, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (device, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value
         WHERE excluded.ts >= latest.ts`,
      ),
      touchDevice: db.prepare<[string, number, number]>(
        `INSERT INTO devices (id, last_seen, first_seen) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`,
      ),
      newPair: db.prepare<[string, string, number, number]>(
        'INSERT INTO latest (device, metric, ts, value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      newDevice: db.prepare<[string, number, number]>(
        'INSERT INTO devices (id, last_seen, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      setMeta: db.prepare<[string, number]>(
        'INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM store_meta WHERE key = ?'),
    };
    this.flushTx = db.transaction(() => this.writePending());
  }

  /** Loads the known pairs and devices; repairs what a crash left behind when the last close was not clean. */
  open(writable: boolean): void {
    for (const row of this.db.prepare<[], { device: string; metric: string }>('SELECT device, metric FROM latest').iterate()) {
      this.knownPairs.add(pairKey(row.device, row.metric));
    }
    for (const row of this.db.prepare<[], { id: string }>('SELECT id FROM devices').iterate()) this.knownDevices.add(row.id);
    if (!writable) return;
    const clean = this.statements.getMeta.get(CLEAN_CLOSE)?.value === 1;
    if (!clean) this.repairAfterCrash();
    this.statements.setMeta.run(CLEAN_CLOSE, 0);
  }

  /** Inside the durable commit: rows for a pair or device seen for the first time. */
  insertNew(device: string, metric: string | undefined, ts: number, value: number, receivedAt: number): void {
    if (metric !== undefined) {
      const key = pairKey(device, metric);
      if (!this.knownPairs.has(key)) this.statements.newPair.run(device, metric, ts, value);
    }
    if (!this.knownDevices.has(device)) this.statements.newDevice.run(device, receivedAt, receivedAt);
  }

  /** After the durable commit returned: the rows exist now, and the derived values wait for the flush. */
  noteCommitted(device: string, metric: string | undefined, ts: number, value: number, receivedAt: number): void {
    if (metric !== undefined) {
      this.knownPairs.add(pairKey(device, metric));
      let values = this.latest.get(device);
      if (!values) {
        values = new Map();
        this.latest.set(device, values);
      }
      const had = values.get(metric);
      if (!had || ts >= had.ts) values.set(metric, { ts, value });
    }
    this.knownDevices.add(device);
    const was = this.seen.get(device);
    if (was === undefined || receivedAt > was) this.seen.set(device, receivedAt);
  }

  get pending(): boolean {
    return this.seen.size > 0;
  }

  /** Writes the coalesced updates in one transaction; a failure keeps them for the next try. */
  flush(): void {
    if (!this.pending || !this.db.open) return;
    this.flushTx();
    this.latest.clear();
    this.seen.clear();
  }

  /** At close: flushes and marks the file clean, so the next open skips the repair. */
  close(): void {
    this.flush();
    if (this.db.open) this.statements.setMeta.run(CLEAN_CLOSE, 1);
  }

  private writePending(): void {
    for (const [device, values] of this.latest) {
      for (const [metric, v] of values) this.statements.upsertLatest.run(device, metric, v.ts, v.value);
    }
    for (const [device, at] of this.seen) this.statements.touchDevice.run(device, at, at);
    this.statements.setMeta.run(FLUSH_MARK, this.now());
  }

  /** One seek per pair for its newest reading; a pair whose latest row lagged also moves its device's last_seen. */
  private repairAfterCrash(): void {
    const mark = this.statements.getMeta.get(FLUSH_MARK)?.value;
    const pairs = this.db.prepare<[], { device: string; metric: string; ts: number }>('SELECT device, metric, ts FROM latest').all();
    const newest = this.db.prepare<[string, string], { ts: number; value: number }>(
      'SELECT ts, value FROM readings WHERE device = ? AND metric = ? ORDER BY ts DESC LIMIT 1',
    );
    const seenAfterMark = this.db.prepare<[number, string]>('UPDATE devices SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?');
    this.db.transaction(() => {
      for (const pair of pairs) {
        const top = newest.get(pair.device, pair.metric);
        if (!top || top.ts <= pair.ts) continue;
        this.statements.upsertLatest.run(pair.device, pair.metric, top.ts, top.value);
        if (mark !== undefined) seenAfterMark.run(mark, pair.device);
      }
    })();
  }
}

function pairKey(device: string, metric: string): string {
  return `${device}\0${metric}`;
}
