/**
 * latest values and last_seen are flushed apart from the durable commit (store/sqlite-derived.ts):
 * the commit itself holds only readings, rollups and the first row of a new pair or device; a
 * file left by a crash (no clean close) is repaired on open from its readings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/sqlite.ts';
import { entry } from '../contract/store-contract.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-derived-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What another process reading the file sees (an API started alone). */
function fileLatest(path: string): { device: string; metric: string; ts: number; value: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT device, metric, ts, value FROM latest ORDER BY device, metric').all() as never;
  } finally {
    db.close();
  }
}

describe('SQLite derived rows', () => {
  it('keeps latest and last_seen out of the durable commit, and writes them on flush', async () => {
    const path = join(dir, 'flush.db');
    const store = SqliteStore.open({ path, pruneEveryMs: 0, derivedFlushMs: 3_600_000 });
    store.appendSync([entry('d1', 1_000, { t: 1 })], 5_000);
    store.appendSync([entry('d1', 2_000, { t: 2 })], 6_000);
    // The first reading of the pair made its row durable; the second waits for the flush.
    expect(fileLatest(path)).toEqual([{ device: 'd1', metric: 't', ts: 1_000, value: 1 }]);
    // Read-your-writes in this process.
    expect((await store.device('d1'))?.values['t']).toEqual({ value: 2, ts: 2_000 });
    expect((await store.device('d1'))?.lastSeen).toBe(6_000);
    expect(fileLatest(path)).toEqual([{ device: 'd1', metric: 't', ts: 2_000, value: 2 }]);
    await store.close();
  });

  it('repairs latest values and last_seen on open after a crash, from the readings', async () => {
    const path = join(dir, 'crash.db');
    let clock = 10_000;
    const crashed = SqliteStore.open({ path, pruneEveryMs: 0, derivedFlushMs: 3_600_000, now: () => clock });
    crashed.appendSync([entry('d1', 1_000, { t: 1, h: 10 })], 10_000);
    clock = 20_000;
    await crashed.flush();
    // After the last flush: lost with the process, but its readings are durable.
    crashed.appendSync([entry('d1', 3_000, { t: 3 })], 20_400);
    crashed.appendSync([entry('d2', 3_500, { t: 7 })], 20_450);
    // A second open while the first never closed is what the next start sees after kill -9.
    const reopened = SqliteStore.open({ path, pruneEveryMs: 0 });
    const d1 = await reopened.device('d1');
    expect(d1?.values['t']).toEqual({ value: 3, ts: 3_000 });
    expect(d1?.values['h']).toEqual({ value: 10, ts: 1_000 });
    // Seen after the last flush mark: no longer than one flush interval before it really was.
    expect(d1?.lastSeen).toBe(20_000);
    // A device first seen after the flush got its rows in the durable commit.
    const d2 = await reopened.device('d2');
    expect(d2?.values['t']).toEqual({ value: 7, ts: 3_500 });
    expect(d2?.lastSeen).toBe(20_450);
    await reopened.close();
  });

  it('skips the repair after a clean close', async () => {
    const path = join(dir, 'clean.db');
    const first = SqliteStore.open({ path, pruneEveryMs: 0 });
    first.appendSync([entry('d1', 1_000, { t: 1 })], 10_000);
    first.appendSync([entry('d1', 2_000, { t: 2 })], 11_000);
    await first.close();
    const db = new Database(path);
    expect(db.prepare("SELECT value FROM store_meta WHERE key = 'derived_clean'").get()).toEqual({ value: 1 });
    // Were the repair to run, this reading (ts newer than latest) would be picked up.
    db.prepare('INSERT INTO readings (device, metric, ts, value) VALUES (?, ?, ?, ?)').run('d1', 't', 9_000, 9);
    db.close();
    const second = SqliteStore.open({ path, pruneEveryMs: 0 });
    expect((await second.device('d1'))?.values['t']).toEqual({ value: 2, ts: 2_000 });
    await second.close();
  });
});
