/**
 * The alert store's schema v2 (ackNote, the list-order index) on a file written by v1, and its
 * acknowledgements: once, with the first note; several in one transaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { AlertStore } from '../../../alerts/alert-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function firing(id: string): Alert {
  return {
    id,
    ruleId: 'r-1',
    device: 'dev-1',
    metric: 't',
    severity: 'warning',
    state: 'firing',
    acknowledged: false,
    value: 31,
    threshold: 30,
    startedAt: 1_700_000_000_000,
    resolvedAt: null,
    ackedAt: null,
    ackNote: null,
    message: 't above 30',
  };
}

describe('alert store', () => {
  it('upgrades a v1 file: its alerts are kept, with no note, and take one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-alert-store-'));
    dirs.push(dir);
    const path = join(dir, 'vigil.db');
    const first = new AlertStore(path);
    first.recordTransition(firing('a1'), 1);
    first.close();
    // Back to what v1 wrote: no ack_note column, no order index, schema 1.
    const db = new Database(path);
    db.exec(
      "DROP INDEX alerts_order; ALTER TABLE alerts DROP COLUMN ack_note; UPDATE vigil_meta SET value = '1' WHERE key = 'alerts_schema'",
    );
    db.close();
    const upgraded = new AlertStore(path);
    try {
      expect(upgraded.getAlert('a1')).toMatchObject({ id: 'a1', ackNote: null, acknowledged: false });
      expect(upgraded.acknowledge('a1', 5, 'looked at it')).toMatchObject({ acknowledged: true, ackedAt: 5, ackNote: 'looked at it' });
    } finally {
      upgraded.close();
    }
  });

  it('keeps the first acknowledgement and its note', () => {
    const store = new AlertStore(':memory:');
    store.recordTransition(firing('a1'), 1);
    store.acknowledge('a1', 5, 'first');
    expect(store.acknowledge('a1', 9, 'second')).toMatchObject({ ackedAt: 5, ackNote: 'first' });
    store.close();
  });

  it('acknowledges several in one call, each id once, telling apart new, earlier and unknown ones', () => {
    const store = new AlertStore(':memory:');
    for (const id of ['a1', 'a2', 'a3']) store.recordTransition(firing(id), 1);
    store.acknowledge('a2', 3);
    const result = store.acknowledgeMany(['a3', 'x', 'a2', 'a1', 'a3'], 7, 'bulk');
    expect(result.acknowledged.map((a) => [a.id, a.ackedAt, a.ackNote])).toEqual([
      ['a3', 7, 'bulk'],
      ['a1', 7, 'bulk'],
    ]);
    expect(result.already.map((a) => [a.id, a.ackedAt, a.ackNote])).toEqual([['a2', 3, null]]);
    expect(result.notFound).toEqual(['x']);
    store.close();
  });
});
