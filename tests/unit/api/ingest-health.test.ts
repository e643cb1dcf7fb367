import { describe, expect, it } from 'vitest';
import type { IngestSnapshot, StoreStats } from '../../../bus/ingest-stats.ts';
import { IngestHealth } from '../../../api/ingest-health.ts';

const store = (over: Partial<StoreStats> = {}): StoreStats => ({
  unackedReadings: 0,
  spooledRows: 0,
  readingsWritten: 0,
  droppedOutsideRetention: 0,
  droppedByBackend: 0,
  writeErrors: { partial: 0, transient: 0, timeout: 0, permanent: 0, too_large: 0, no_database: 0 },
  writeLatency: { count: 0, sumMs: 0, maxMs: 0 },
  blockedBy: null,
  ...over,
});

const snap = (over: Partial<IngestSnapshot> = {}): IngestSnapshot => ({
  instance: 'a',
  at: 0,
  received: 0,
  accepted: 0,
  points: 0,
  rejected: {},
  ignoredRetained: 0,
  storeErrors: 0,
  unacked: 0,
  forwardDropped: 0,
  writeLatency: { bounds: [], counts: [0], sum: 0, count: 0 },
  alertLeader: false,
  webhook: { delivered: 0, failures: 0, dropped: 0, queued: 0 },
  store: store(),
  busRejected: {},
  ...over,
});

describe('IngestHealth', () => {
  it.each([
    { name: 'a healthy ingest', reports: [snap(), snap()], store: null },
    { name: 'messages held unacked', reports: [snap(), snap({ unacked: 3 })], store: /holds 3/ },
    { name: 'store errors growing', reports: [snap({ storeErrors: 1 }), snap({ storeErrors: 4 })], store: /failing/ },
    {
      name: 'errors that stopped growing (recovered)',
      reports: [snap({ storeErrors: 4, unacked: 1 }), snap({ storeErrors: 4 })],
      store: null,
    },
    { name: 'a blocked backend', reports: [snap({ store: store({ blockedBy: 'bad token' }) })], store: /bad token/ },
    {
      name: 'a spool that the backend refuses',
      reports: [
        snap({ store: store({ unackedReadings: 10 }) }),
        snap({ store: store({ unackedReadings: 20, writeErrors: { ...store().writeErrors, transient: 2 } }) }),
      ],
      store: /refusing/,
    },
  ])('$name', ({ reports, store: expected }) => {
    const health = new IngestHealth(() => 1_000);
    for (const r of reports) health.record(r);
    const failing = health.failing();
    if (expected === null) expect(failing).toBeNull();
    else expect(failing).toMatch(expected);
  });

  it('forgets reports older than 10 s, and reports a takeover for 10 s', () => {
    let now = 0;
    const health = new IngestHealth(() => now);
    health.record(snap({ unacked: 1, sessionTakeovers: 0 }));
    health.record(snap({ unacked: 1, sessionTakeovers: 2 }));
    expect(health.takenOver()).toMatch(/ingest a/);
    now = 10_001;
    expect(health.failing()).toBeNull();
    expect(health.takenOver()).toBeNull();
  });
});
