/**
 * What ingest does with one message, over the in-memory store and the source router: accepted
 * readings are durable when the handler returns, everything else is reported and nothing is
 * stored; each source's counters say what came of its messages; topics no source takes are
 * listed (bounded) and never stored.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceStatus, TelemetryEntry } from '../../../domain/reading.ts';
import { createMessageHandler, type MessageOutcomes, type Rejected } from '../../../ingest/handle-message.ts';
import { MemoryStore } from '../../../store/memory.ts';
import type { DeviceMeta } from '../../../domain/devices.ts';
import { SourceRouter, UNMATCHED_PAYLOAD_LIMIT, UNMATCHED_TOPICS_LIMIT } from '../../../sources/router.ts';
import { vigilSource } from '../../../sources/vigil.ts';
import { siteSource } from '../../helpers/test-source.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const bytes = (text: string) => Buffer.from(text);

interface Heard {
  accepted: { entries: readonly TelemetryEntry[]; receivedAt: number }[];
  rejected: Rejected[];
  statuses: [string, DeviceStatus, number][];
  ignoredRetained: number;
  ignored: [string, string][];
  configured: [string, readonly string[]][];
  meta: DeviceMeta[];
  unmatched: string[];
}

function setup() {
  const store = new MemoryStore();
  const heard: Heard = {
    accepted: [],
    rejected: [],
    statuses: [],
    ignoredRetained: 0,
    ignored: [],
    configured: [],
    meta: [],
    unmatched: [],
  };
  const outcomes: MessageOutcomes = {
    accepted: (entries, receivedAt) => void heard.accepted.push({ entries, receivedAt }),
    rejected: (r) => void heard.rejected.push(r),
    async status(device, status, ts) {
      await store.recordStatus(device, status, ts);
      heard.statuses.push([device, status, ts]);
    },
    ignored(source, why) {
      heard.ignored.push([source, why]);
      if (why === 'retained') heard.ignoredRetained++;
    },
    configured: (source, filters) => void heard.configured.push([source, filters]),
    meta: (list) => void heard.meta.push(...list),
    unmatched: (topic) => void heard.unmatched.push(topic),
  };
  const router = new SourceRouter([vigilSource('devices'), siteSource()]);
  const handle = createMessageHandler({ router, sink: store, outcomes, now: () => NOW });
  return { store, heard, handle, router };
}

describe('handleMessage', () => {
  it('stores accepted telemetry before it returns and reports it', async () => {
    const { store, heard, handle } = setup();
    expect(handle('devices/dev-1/telemetry', bytes(JSON.stringify([{ ts: NOW - 1_000, t: 1 }, { t: 2 }])), false)).toBeUndefined();
    expect(heard.accepted).toHaveLength(1);
    expect(heard.accepted[0]!.receivedAt).toBe(NOW);
    expect(heard.accepted[0]!.entries.map((e) => [e.ts, e.values['t']])).toEqual([
      [NOW - 1_000, 1],
      [NOW, 2],
    ]);
    // Readable at once: the sink made it durable synchronously.
    expect(await store.device('dev-1')).toMatchObject({ lastSeen: NOW, values: { t: { value: 2, ts: NOW } } });
    expect(heard.rejected).toEqual([]);
  });

  it.each([
    ['an unknown sub-topic', 'devices/dev-1/config', '{"t":1}', 'bad_topic', 'dev-1'],
    ['an illegal device id', 'devices/bad id/telemetry', '{"t":1}', 'bad_device_id', 'bad id'],
    ['invalid JSON', 'devices/dev-1/telemetry', '{', 'invalid_json', 'dev-1'],
    ['an empty payload', 'devices/dev-1/telemetry', '', 'empty', 'dev-1'],
    ['a non-numeric value', 'devices/dev-1/telemetry', '{"t":"hot"}', 'bad_value', 'dev-1'],
    ['a far-future ts', 'devices/dev-1/telemetry', JSON.stringify({ ts: NOW + 86_400_000, t: 1 }), 'future_ts', 'dev-1'],
    ['a bad status', 'devices/dev-1/status', 'maybe', 'bad_status', 'dev-1'],
  ])('rejects %s, stores nothing', async (_name, topic, payload, reason, device) => {
    const { store, heard, handle } = setup();
    expect(handle(topic, bytes(payload), false)).toBeUndefined();
    expect(heard.rejected.map((r) => [r.reason, r.device, r.topic, r.ts])).toEqual([[reason, device, topic, NOW]]);
    expect(Buffer.from(heard.rejected[0]!.payload).toString()).toBe(payload);
    expect(heard.accepted).toEqual([]);
    expect(await store.devices()).toEqual([]);
    expect(store.stats().readingsWritten).toBe(0);
  });

  it('records a status (a retained offline too), and returns the promise to wait for', async () => {
    const { store, heard, handle } = setup();
    const pending = handle('devices/dev-1/status', bytes('offline'), true);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(heard.statuses).toEqual([['dev-1', 'offline', NOW]]);
    expect(await store.device('dev-1')).toMatchObject({ reported: 'offline', reportedAt: NOW, lastSeen: null });
  });

  it('ignores a replayed retained online (no proof of life) but records a live one', async () => {
    const { store, heard, handle } = setup();
    await handle('devices/dev-1/status', bytes('online'), true);
    expect(heard.statuses).toEqual([]);
    expect(await store.device('dev-1')).toBeUndefined();
    await handle('devices/dev-1/status', bytes('online'), false);
    expect(heard.statuses).toEqual([['dev-1', 'online', NOW]]);
  });

  it('ignores retained telemetry: it was stored when first published', async () => {
    const { store, heard, handle } = setup();
    handle('devices/dev-1/telemetry', bytes('{"t":1}'), true);
    expect(heard.ignoredRetained).toBe(1);
    expect(heard.accepted).toEqual([]);
    expect(await store.devices()).toEqual([]);
  });

  it('throws when the sink cannot make the readings durable, and reports nothing as accepted', () => {
    const { store, heard, handle } = setup();
    store.faults.write = new Error('disk full');
    expect(() => handle('devices/dev-1/telemetry', bytes('{"t":1}'), false)).toThrow('disk full');
    expect(heard.accepted).toEqual([]);
  });

  it('lists a topic no source takes, bounded, and stores nothing', async () => {
    const { store, heard, handle, router } = setup();
    expect(handle('other/dev-1/telemetry', bytes('{"t":1}'), false)).toBeUndefined();
    expect(handle('site/a/b/c', bytes('x'.repeat(3 * UNMATCHED_PAYLOAD_LIMIT)), false)).toBeUndefined();
    expect(heard.unmatched).toEqual(['other/dev-1/telemetry', 'site/a/b/c']);
    expect(heard.rejected).toEqual([]);
    const [newest, older] = router.unmatched();
    expect(newest).toMatchObject({ topic: 'site/a/b/c', count: 1, firstSeen: NOW, lastSeen: NOW });
    expect(newest!.payload).toHaveLength(UNMATCHED_PAYLOAD_LIMIT);
    expect(older).toMatchObject({ topic: 'other/dev-1/telemetry', payload: '{"t":1}' });
    for (let i = 0; i < UNMATCHED_TOPICS_LIMIT + 10; i++) handle(`other/dev-${i}/x`, bytes('1'), false);
    handle('other/dev-20/x', bytes('2'), false);
    const listed = router.unmatched();
    expect(listed).toHaveLength(UNMATCHED_TOPICS_LIMIT);
    // Seen again: counted and moved to the front; the least recently seen went first.
    expect(listed[0]).toMatchObject({ topic: 'other/dev-20/x', count: 2, payload: '2' });
    expect(listed.map((u) => u.topic)).not.toContain('other/dev-0/x');
    expect(store.stats().readingsWritten).toBe(0);
    expect(router.counters.get('vigil')!.matched).toBe(0);
  });

  it('never routes or lists Vigil topics or $-topics', () => {
    const { heard, handle, router } = setup();
    handle('vigil/events/readings', bytes('[]'), false);
    handle('$SYS/broker/uptime', bytes('1'), false);
    expect(heard.unmatched).toEqual([]);
    expect(router.unmatched()).toEqual([]);
  });

  it("stores another source's readings, hands its meta on after they are durable, and counts them", async () => {
    const { store, heard, handle, router } = setup();
    handle('site/boiler/value', bytes('61.5'), false);
    expect(await store.device('boiler')).toMatchObject({ values: { value: { value: 61.5, ts: NOW } } });
    expect(heard.meta).toEqual([{ device: 'boiler', name: 'Site boiler', units: { value: '°C' } }]);
    handle('site/boiler/value', bytes('hot'), false);
    expect(heard.rejected.map((r) => [r.source, r.reason, r.device, r.topic])).toEqual([
      ['site', 'bad_value', 'boiler', 'site/boiler/value'],
    ]);
    handle('devices/dev-1/telemetry', bytes('{"a":1,"b":2}'), false);
    expect(router.counters.get('site')).toEqual({
      matched: 2,
      points: 1,
      skippedFields: 0,
      tsFallbacks: 0,
      ignored: 0,
      rejected: { bad_value: 1 },
    });
    expect(router.counters.get('vigil')).toMatchObject({ matched: 1, points: 2, rejected: {} });
  });

  it('records a source status and counts ignored chatter', async () => {
    const { store, heard, handle, router } = setup();
    await handle('site/boiler/status', bytes('offline'), false);
    expect(await store.device('boiler')).toMatchObject({ reported: 'offline', reportedAt: NOW });
    handle('site/bridge/state', bytes('{"up":true}'), false);
    expect(heard.ignored).toEqual([['site', 'bridge']]);
    expect(heard.ignoredRetained).toBe(0);
    expect(router.counters.get('site')).toMatchObject({ matched: 2, ignored: 1 });
  });

  it('a configured source asks for more topics once, and then takes them', async () => {
    const { store, heard, handle, router } = setup();
    handle('site/pump/config', bytes('{"state_topic":"plant/pump/temp"}'), false);
    expect(heard.configured).toEqual([['site', ['plant/pump/temp']]]);
    expect(heard.meta).toEqual([{ device: 'pump', name: 'Site pump' }]);
    expect(router.addFilters('site', ['plant/pump/temp'])).toEqual(['plant/pump/temp']);
    expect(router.addFilters('site', ['plant/pump/temp', 'site/+/value'])).toEqual([]);
    expect(router.topics('site')).toContain('plant/pump/temp');
    expect(router.filters()).toContain('plant/pump/temp');
    handle('plant/pump/temp', bytes('40'), false);
    expect(await store.device('pump')).toMatchObject({ values: { value: { value: 40 } } });
    expect(heard.unmatched).toEqual([]);
  });

  it('a retry after a failed write counts the message once and keeps its first receive time', async () => {
    let clock = NOW;
    const store = new MemoryStore();
    const router = new SourceRouter([vigilSource('devices'), siteSource()]);
    const outcomes: MessageOutcomes = {
      accepted: () => undefined,
      rejected: () => undefined,
      status: (device, status, ts) => store.recordStatus(device, status, ts),
      ignored: () => undefined,
      configured: () => undefined,
      meta: () => undefined,
    };
    const handle = createMessageHandler({ router, sink: store, outcomes, now: () => clock });
    const reading = bytes('21.5');
    const status = bytes('offline');
    store.faults.write = new Error('disk full');
    expect(() => handle('site/boiler/value', reading, false)).toThrow('disk full');
    await expect(handle('site/boiler/status', status, false)).rejects.toThrow('disk full');
    store.faults.write = undefined;
    clock = NOW + 5_000;
    handle('site/boiler/value', reading, false);
    await handle('site/boiler/status', status, false);
    expect(router.counters.get('site')).toMatchObject({ matched: 2, points: 1 });
    expect(await store.device('boiler')).toMatchObject({
      values: { value: { value: 21.5, ts: NOW } },
      reported: 'offline',
      reportedAt: NOW,
    });
    // Held only until it went through: the same bytes again are a new message.
    handle('site/boiler/value', reading, false);
    expect(router.counters.get('site')).toMatchObject({ matched: 3, points: 2 });
  });
});
