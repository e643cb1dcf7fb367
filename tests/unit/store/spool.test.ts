import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBatch } from '../../../store/influx/forwarder.ts';
import { seenLine, statusLine, telemetryLine } from '../../../store/influx/lines.ts';
import { Spool, SpoolFullError } from '../../../store/influx/spool.ts';
import { RetentionWindow } from '../../../store/retention.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-spool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (line: string, points = 1, device?: string, seenAt?: number) => ({
  line,
  points,
  ...(device ? { device } : {}),
  ...(seenAt ? { seenAt } : {}),
});

describe('Spool', () => {
  it('keeps rows in order across a reopen and deletes only what was acknowledged', () => {
    const path = join(dir, 'order.db');
    const spool = new Spool({ path });
    spool.append([row('a', 2), row('b', 1)]);
    spool.append([row('c', 3)]);
    expect(spool.rows).toBe(3);
    expect(spool.points).toBe(6);
    const batch = spool.peek(2);
    expect(batch.map((r) => r.line)).toEqual(['a', 'b']);
    spool.ack(batch);
    expect([spool.rows, spool.points]).toEqual([1, 3]);
    spool.close();

    const again = new Spool({ path });
    expect([again.rows, again.points, again.lastId]).toEqual([1, 3, 3]);
    expect(again.peek(10).map((r) => r.line)).toEqual(['c']);
    again.ack(again.peek(10));
    // Ids keep growing after the spool was emptied, so flush() targets stay meaningful.
    again.append([row('d')]);
    expect(again.lastId).toBe(4);
    again.close();
  });

  it('shares totals and one drain lease between processes on the same file', () => {
    const path = join(dir, 'shared.db');
    const a = new Spool({ path, maxRows: 4 });
    const b = new Spool({ path, maxRows: 4 });
    a.append([row('a', 2), row('b', 2)]);
    b.append([row('c', 1)]);
    expect([a.rows, a.points, b.rows, b.points]).toEqual([3, 5, 3, 5]);
    // The bound counts every process's rows.
    expect(() => a.append([row('d'), row('e')])).toThrow(SpoolFullError);
    b.ack(b.peek(2));
    expect([a.rows, a.points]).toEqual([1, 1]);
    expect(a.drainedThrough(2)).toBe(true);
    expect(a.drainedThrough(3)).toBe(false);
    // A batch acknowledged twice (a lease taken over mid-write) is subtracted once.
    a.ack([{ id: 2, line: 'b', points: 2, device: null, seenAt: null }]);
    expect([a.rows, a.points]).toEqual([1, 1]);

    expect(a.lease('a', 1_000, 10_000)).toBe(true);
    expect(b.lease('b', 1_000, 10_500)).toBe(false);
    expect(a.lease('a', 1_000, 10_900)).toBe(true);
    // Expired: a drainer that died is replaced.
    expect(b.lease('b', 1_000, 12_000)).toBe(true);
    expect(a.lease('a', 1_000, 12_100)).toBe(false);
    b.release('b');
    expect(a.lease('a', 1_000, 12_200)).toBe(true);
    a.close();
    b.close();
  });

  it('refuses a whole append past its bound, appending nothing', () => {
    const spool = new Spool({ path: join(dir, 'bound.db'), maxRows: 3 });
    spool.append([row('a'), row('b')]);
    expect(() => spool.append([row('c'), row('d')])).toThrow(SpoolFullError);
    expect(() => spool.append([row('c'), row('d')])).toThrow(/spool is full \(2 rows waiting, limit 3\)/);
    expect(spool.rows).toBe(2);
    spool.append([row('c')]);
    expect(spool.peek(10).map((r) => r.line)).toEqual(['a', 'b', 'c']);
    spool.close();
  });
});

describe('line protocol', () => {
  it('renders one line per entry with ms timestamps and escaped tags', () => {
    const values = Object.assign(Object.create(null) as Record<string, number>, { 'temp.inner': 21.5, time: 3 });
    expect(telemetryLine({ device: 'dev.a:b-c_d', ts: 1_732_430_000_123, values })).toBe(
      'telemetry,device=dev.a:b-c_d temp.inner=21.5,time-=3 1732430000123',
    );
    expect(telemetryLine({ device: 'a b,c', ts: 5, values })).toBe('telemetry,device=a\\ b\\,c temp.inner=21.5,time-=3 5');
    expect(statusLine('d1', 'offline', 7)).toBe('devices,device=d1 status="offline" 7');
    expect(seenLine('d1', 9)).toBe('devices,device=d1 seen=1i 9');
  });

  it('folds liveness into one seen point per device per batch: the newest receive time', () => {
    const batch = [
      { id: 1, line: 'l1', points: 1, device: 'a', seenAt: 20 },
      { id: 2, line: '', points: 0, device: 'b', seenAt: 5 },
      { id: 3, line: 'l3', points: 1, device: 'a', seenAt: 10 },
      { id: 4, line: 's', points: 0, device: null, seenAt: null },
    ];
    expect(renderBatch(batch).split('\n')).toEqual(['l1', 'l3', 's', 'devices,device=a seen=1i 20', 'devices,device=b seen=1i 5']);
  });
});

describe('RetentionWindow', () => {
  it('keeps what is newer than now - retention and clamps query starts to it', () => {
    let now = 10_000;
    const window = new RetentionWindow(1_000, () => now);
    expect(window.keeps(9_000)).toBe(true);
    expect(window.keeps(8_999)).toBe(false);
    expect(window.clampFrom(0)).toBe(9_000);
    now = 20_000;
    expect(window.clampFrom(12_000)).toBe(19_000);
    expect(new RetentionWindow(undefined).clampFrom(-5)).toBe(-5);
  });
});
