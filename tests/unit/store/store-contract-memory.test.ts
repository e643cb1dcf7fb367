import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { MemoryStore } from '../../../store/memory.ts';
import { BASE, collect, defineStoreContract, entry } from '../../contract/store-contract.ts';

// The same suite the SQLite and InfluxDB stores pass (tests/integration/store-contract-*.test.ts).
defineStoreContract(
  'in-memory',
  async ({ retentionMs, now }) => new MemoryStore({ ...(retentionMs ? { retentionMs } : {}), ...(now ? { now } : {}) }),
);

describe('in-memory store: what tests lean on beyond the contract', () => {
  it('keeps the first value of a (device, metric, ts) written twice with different values, as SQLite does', async () => {
    const store = new MemoryStore();
    store.appendSync([entry('d', BASE, { t: 1 })], BASE);
    store.appendSync([entry('d', BASE, { t: 2 })], BASE + 1);
    expect((await collect(store.exportRaw({ device: 'd', from: BASE, to: BASE }))).map((r) => r.value)).toEqual([1]);
  });

  it('fails writes and pings while a fault is set, and after close', async () => {
    const store = new MemoryStore();
    store.faults.write = new Error('disk full');
    expect(() => store.appendSync([entry('d', BASE, { t: 1 })], BASE)).toThrow('disk full');
    await expect(store.recordStatus('d', 'online', BASE)).rejects.toThrow('disk full');
    store.faults.write = undefined;
    store.appendSync([entry('d', BASE, { t: 1 })], BASE);
    store.faults.ping = new Error('down');
    await expect(store.ping()).rejects.toThrow('down');
    store.faults.ping = undefined;
    await store.close();
    await expect(store.ping()).rejects.toThrow('closed');
    expect(() => store.appendSync([entry('d', BASE, { t: 1 })], BASE)).toThrow('closed');
  });

  it('prunes what aged out of retention and keeps the latest values', async () => {
    let now = BASE;
    const store = new MemoryStore({ retentionMs: 60_000, now: () => now });
    store.appendSync([entry('d', BASE - 30_000, { t: 1 }), entry('d', BASE, { t: 2 })], BASE);
    now += 45_000;
    expect(store.prune()).toBe(1);
    expect((await collect(store.exportRaw({ device: 'd', from: 0, to: now }))).map((r) => r.value)).toEqual([2]);
    expect((await store.device('d'))?.values).toEqual({ t: { value: 2, ts: BASE } });
  });

  it('keeps alert events in order', () => {
    const store = new MemoryStore();
    const alert: Alert = {
      id: 'a',
      ruleId: 'r',
      device: 'd',
      metric: 't',
      severity: 'warning',
      state: 'firing',
      acknowledged: false,
      value: 1,
      threshold: 0,
      startedAt: 1,
      resolvedAt: null,
      ackedAt: null,
      ackNote: null,
      message: 't > 0',
    };
    store.recordAlertEvent(alert, 'fired', 1);
    store.recordAlertEvent(alert, 'acknowledged', 2);
    expect(store.alertEvents.map((e) => e.event)).toEqual(['fired', 'acknowledged']);
  });
});
