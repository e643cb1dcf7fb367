/**
 * GET /api/sources, /api/sources/unmatched and the vigil_source_* families, from what ingest
 * instances report on vigil/stats/sources: counters summed over instances, unmatched topics
 * merged by topic, newest first, bounded; reads follow the read-auth rule of every other route.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourcesSnapshot, UnmatchedReport } from '../../../bus/sources.ts';
import { UNMATCHED_KEPT } from '../../../api/sources.ts';
import { apiHarness, NOW, TOKEN, type ApiHarness } from './harness.ts';

const counters = (matched: number, rejected: Record<string, number> = {}) => ({
  matched,
  points: matched * 2,
  skippedFields: 1,
  tsFallbacks: 0,
  ignored: 0,
  rejected,
});

function report(instance: string, patch: Partial<SourcesSnapshot> = {}): SourcesSnapshot {
  return {
    instance,
    at: NOW,
    duplicateConsumer: false,
    sources: [
      { name: 'vigil', kind: 'native', topics: ['devices/+/telemetry', 'devices/+/status'], counters: counters(3, { bad_value: 1 }) },
      { name: 'site', kind: 'custom', topics: ['site/+/value'], counters: counters(2) },
    ],
    unmatched: [],
    ...patch,
  };
}

const topic = (name: string, lastSeen: number, count = 1): UnmatchedReport => ({
  topic: name,
  count,
  firstSeen: lastSeen - 1_000,
  lastSeen,
  payload: `{"at":${lastSeen}}`,
  suggested: null,
});

let api: ApiHarness;
beforeEach(() => {
  api = apiHarness();
});
afterEach(async () => {
  await api.close();
});

describe('/api/sources', () => {
  it('lists each source once with counters summed over ingest instances', async () => {
    api.sources.record(report('ingest-1'));
    api.sources.record(
      report('ingest-2', {
        sources: [{ name: 'vigil', kind: 'native', topics: ['devices/+/telemetry'], counters: counters(4, { bad_value: 2, bad_ts: 1 }) }],
      }),
    );
    const res = await api.request({ path: '/api/sources' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      {
        name: 'vigil',
        kind: 'native',
        topics: ['devices/+/telemetry'],
        counters: { matched: 7, points: 14, skippedFields: 2, tsFallbacks: 0, ignored: 0, rejected: { bad_value: 3, bad_ts: 1 } },
      },
      { name: 'site', kind: 'custom', topics: ['site/+/value'], counters: counters(2) },
    ]);
  });

  it('is empty before any ingest reported', async () => {
    expect((await api.request({ path: '/api/sources' })).json).toEqual([]);
    expect((await api.request({ path: '/api/sources/unmatched' })).json).toEqual([]);
  });

  it('needs the token for reads beyond loopback, like every read route', async () => {
    const open = apiHarness({ HOST: '0.0.0.0' });
    try {
      expect((await open.request({ path: '/api/sources' })).status).toBe(401);
      expect((await open.request({ path: '/api/sources/unmatched' })).status).toBe(401);
      expect((await open.operator({ path: '/api/sources/unmatched' })).status).toBe(200);
      expect((await open.request({ path: '/api/sources', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('/api/sources/unmatched', () => {
  it('merges topics from every instance, newest first, counts summed, the newest payload kept', async () => {
    api.sources.record(report('ingest-1', { unmatched: [topic('a/1', NOW - 500, 2), topic('b/1', NOW - 100)] }));
    api.sources.record(report('ingest-2', { unmatched: [{ ...topic('a/1', NOW - 50, 5), suggested: 'tasmota' }] }));
    // A later report from ingest-1 with its own updated count replaces its share, not adds to it.
    api.sources.record(report('ingest-1', { unmatched: [topic('a/1', NOW - 400, 3)] }));
    const list = (await api.request({ path: '/api/sources/unmatched' })).json as UnmatchedReport[];
    expect(list).toEqual([
      { topic: 'a/1', count: 8, firstSeen: NOW - 1_500, lastSeen: NOW - 50, payload: `{"at":${NOW - 50}}`, suggested: 'tasmota' },
      topic('b/1', NOW - 100),
    ]);
  });

  it(`keeps at most ${UNMATCHED_KEPT} topics, forgetting the least recently seen`, async () => {
    for (let i = 0; i < UNMATCHED_KEPT + 50; i += 10)
      api.sources.record(
        report('ingest-1', { unmatched: Array.from({ length: 10 }, (_, j) => topic(`t/${i + j}`, NOW - 100_000 + i + j)) }),
      );
    const list = (await api.request({ path: '/api/sources/unmatched' })).json as UnmatchedReport[];
    expect(list).toHaveLength(UNMATCHED_KEPT);
    expect(list[0]!.topic).toBe(`t/${UNMATCHED_KEPT + 49}`);
    expect(list.at(-1)!.topic).toBe('t/50');
  });
});
