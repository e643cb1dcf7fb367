/**
 * What ingest does with one message, over the in-memory store: accepted readings are durable
 * when the handler returns, everything else is reported and nothing is stored.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceStatus, TelemetryEntry } from '../../../domain/reading.ts';
import { createMessageHandler, type MessageOutcomes, type Rejected } from '../../../ingest/handle-message.ts';
import { MemoryStore } from '../../../store/memory.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const bytes = (text: string) => Buffer.from(text);

interface Heard {
  accepted: { entries: readonly TelemetryEntry[]; receivedAt: number }[];
  rejected: Rejected[];
  statuses: [string, DeviceStatus, number][];
  ignoredRetained: number;
}

function setup() {
  const store = new MemoryStore();
  const heard: Heard = { accepted: [], rejected: [], statuses: [], ignoredRetained: 0 };
  const outcomes: MessageOutcomes = {
    accepted: (entries, receivedAt) => void heard.accepted.push({ entries, receivedAt }),
    rejected: (r) => void heard.rejected.push(r),
    async status(device, status, ts) {
      await store.recordStatus(device, status, ts);
      heard.statuses.push([device, status, ts]);
    },
    ignoredRetained: () => void heard.ignoredRetained++,
  };
  const handle = createMessageHandler({ prefix: 'devices', sink: store, outcomes, now: () => NOW });
  return { store, heard, handle };
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
    ['a topic outside the prefix', 'other/dev-1/telemetry', '{"t":1}', 'bad_topic', null],
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
});
