/**
 * The SSE hub and client without a network: a fake response that buffers like a socket and
 * drains when the test says so.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseClient } from '../../../api/sse/client.ts';
import { EventHub } from '../../../api/sse/hub.ts';
import { Ring } from '../../../api/sse/ring.ts';

class FakeResponse extends EventEmitter {
  writableLength = 0;
  received = '';
  destroyed = false;
  ended = false;
  write(chunk: string | Buffer): boolean {
    this.writableLength += chunk.length;
    this.received += chunk.toString();
    return this.writableLength < 16 * 1024;
  }
  /** The reader takes everything buffered. */
  drain(): void {
    if (this.writableLength === 0) return;
    this.writableLength = 0;
    this.emit('drain');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  end(): void {
    this.ended = true;
    this.emit('close');
  }
  frames(): { id: string; event: string; data: string }[] {
    return this.received
      .split('\n\n')
      .filter((f) => f.startsWith('id: '))
      .map((f) => {
        const [id, event, data] = f.split('\n');
        return { id: id!.slice(4), event: event!.slice(7), data: data!.slice(6) };
      });
  }
}

const turn = () => new Promise((r) => setImmediate(r));
const hubs: EventHub[] = [];
const hubWith = (options: ConstructorParameters<typeof EventHub>[0]) => {
  const hub = new EventHub(options);
  hubs.push(hub);
  return hub;
};
const attach = (hub: EventHub, lastEventId?: string, filter = {}) => {
  const res = new FakeResponse();
  hub.attach(res as unknown as ServerResponse, filter, lastEventId);
  return res;
};

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

describe('Ring', () => {
  it.each([
    { capacity: 3, maxWeight: Infinity, push: [1, 2, 3, 4], kept: [2, 3, 4] },
    { capacity: 10, maxWeight: 5, push: [2, 2, 2], kept: [2, 2] },
    { capacity: 10, maxWeight: 5, push: [1, 9], kept: [9] },
  ])('capacity $capacity, max weight $maxWeight: $push keeps $kept', ({ capacity, maxWeight, push, kept }) => {
    const ring = new Ring<number>(capacity, maxWeight, (n) => n);
    for (const n of push) ring.push(n);
    expect([...ring.after(() => true)]).toEqual(kept);
    expect(ring.held).toBe(maxWeight === Infinity ? push.slice(-capacity).reduce((a, b) => a + b, 0) : kept.reduce((a, b) => a + b, 0));
  });
});

describe('EventHub', () => {
  it('formats a turn of events once for all clients that share a filter, and each gets the same bytes', async () => {
    const hub = hubWith({});
    const whole = Array.from({ length: 50 }, () => attach(hub));
    const readings = Array.from({ length: 5 }, () => attach(hub, undefined, { events: new Set(['reading']) }));
    const oneDevice = attach(hub, undefined, { devices: new Set(['d-2']) });
    await turn();
    for (let i = 0; i < 30; i++) hub.publish(i % 3 === 0 ? 'alert' : 'reading', { device: `d-${i % 4}`, i }, `d-${i % 4}`);
    await turn();
    // One piece for the unfiltered cursor and one for the readings-only filter; the device-filtered
    // client builds its own.
    expect(hub.lastFlushBuilds).toBe(2);
    const events = whole[0]!.frames();
    expect(events).toHaveLength(30);
    for (const res of whole) expect(res.frames()).toEqual(events);
    for (const res of readings) expect(res.frames()).toEqual(events.filter((f) => f.event === 'reading'));
    expect(oneDevice.frames().map((f) => JSON.parse(f.data).device)).toEqual(Array(7).fill('d-2'));
  });

  it('bounds the replay ring in bytes as well as events', () => {
    const hub = hubWith({ replayEvents: 1_000, replayBytes: 4 * 1024 * 1024 });
    for (let i = 0; i < 150; i++) hub.publish('alert', { big: 'x'.repeat(1024 * 1024) }, null);
    expect(hub.replayHeld.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(hub.replayHeld.events).toBe(3);
  });

  it('streams a replay far larger than the budget at the reader pace, with no gap and no duplicate', async () => {
    const hub = hubWith({ replayEvents: 30_000, clientBudgetBytes: 64 * 1024 });
    hub.publish('reading', { device: 'd', ts: 0, values: { v: 0 } }, 'd');
    const last = `${hub.bootId}-1`;
    for (let i = 1; i <= 20_000; i++) hub.publish('reading', { device: 'd', ts: i, values: { v: i } }, 'd');
    const res = attach(hub, last);
    await turn();
    // Budget reached: nothing is dropped, the rest waits for the reader.
    expect(res.destroyed).toBe(false);
    expect(res.frames().length).toBeLessThan(20_000);
    for (let i = 0; i < 1_000 && res.frames().length < 20_000; i++) {
      if (i === 10) hub.publish('reading', { device: 'd', ts: 20_001, values: { v: 20_001 } }, 'd');
      res.drain();
      await turn();
    }
    const seqs = res.frames().map((f) => Number(f.id.split('-')[1]));
    expect(seqs).toEqual(Array.from({ length: 20_001 }, (_, i) => i + 2));
    expect(hub.stats.replayHits).toBe(1);
    expect(hub.stats.clientsDropped).toBe(0);
  });

  it.each([
    { name: 'another boot', id: () => 'deadbeef-3', reason: /restarted/ },
    { name: 'an id older than the ring', id: (hub: EventHub) => `${hub.bootId}-1`, reason: /too old/ },
  ])('answers $name with reset, then live events', async ({ id, reason }) => {
    const hub = hubWith({ replayEvents: 10 });
    for (let i = 0; i < 20; i++) hub.publish('reading', { device: 'd', ts: i, values: {} }, 'd');
    const res = attach(hub, id(hub));
    hub.publish('reading', { device: 'd', ts: 99, values: {} }, 'd');
    await turn();
    const frames = res.frames();
    expect(frames[0]!.event).toBe('reset');
    expect(JSON.parse(frames[0]!.data).reason).toMatch(reason);
    expect(frames.slice(1).map((f) => f.id)).toEqual([`${hub.bootId}-21`]);
  });

  it('sends one 1 MiB event to every client without dropping any', async () => {
    const hub = hubWith({ clientBudgetBytes: 1024 * 1024 });
    const clients = [attach(hub), attach(hub), attach(hub)];
    hub.publish('alert', { big: 'x'.repeat(1024 * 1024) }, null);
    hub.publish('alert', { small: 1 }, null);
    await turn();
    for (const res of clients) {
      expect(res.destroyed).toBe(false);
      expect(res.frames().length).toBe(1);
      res.drain();
    }
    await turn();
    for (const res of clients) expect(res.frames().map((f) => JSON.parse(f.data))[1]).toEqual({ small: 1 });
    expect(hub.stats.clientsDropped).toBe(0);
  });

  it('gives a reader that falls out of the ring a reset, and drops one that stopped reading', async () => {
    const hub = hubWith({ replayEvents: 100, clientBudgetBytes: 1024 });
    const slow = attach(hub);
    const stuck = attach(hub);
    for (let i = 0; i < 50; i++) hub.publish('reading', { device: 'd', ts: i, values: { v: i } }, 'd');
    await turn();
    // Both are over budget and waiting; then the ring moves past their cursors.
    for (let i = 50; i < 500; i++) hub.publish('reading', { device: 'd', ts: i, values: { v: i } }, 'd');
    slow.drain();
    await turn();
    expect(stuck.destroyed).toBe(true);
    expect(hub.stats.clientsDropped).toBe(1);
    expect(slow.destroyed).toBe(false);
    hub.publish('reading', { device: 'd', ts: 1_000, values: {} }, 'd');
    slow.drain();
    await turn();
    expect(slow.frames().some((f) => f.event === 'reset')).toBe(true);
    expect(hub.stats.resets).toBe(1);
    expect(slow.frames().at(-1)!.data).toContain('"ts":1000');
  });

  it.each([
    { filter: { devices: new Set(['a']) }, want: ['a'] },
    { filter: { events: new Set(['alert']) }, want: ['alert'] },
    { filter: { metrics: new Set(['t']) }, want: ['a:t', 'b:t', 'c:'] },
  ])('filters with $filter', async ({ filter, want }) => {
    const hub = hubWith({});
    const res = attach(hub, undefined, filter);
    hub.publish('reading', { device: 'a', ts: 1, values: { t: 1, h: 2 } }, 'a');
    hub.publish('reading', { device: 'b', ts: 1, values: { t: 1 } }, 'b');
    hub.publish('reading', { device: 'b', ts: 2, values: { h: 1 } }, 'b');
    hub.publish('alert', { device: 'c' }, 'c');
    await turn();
    const got = res.frames().map((f) => {
      const data = JSON.parse(f.data) as { device: string; values?: Record<string, number> };
      if ('metrics' in filter) return `${data.device}:${Object.keys(data.values ?? {}).join(',')}`;
      return 'events' in filter ? f.event : data.device;
    });
    expect(got).toEqual(want);
  });
});

describe('EventHub flushes', () => {
  it('pumps only the client that just connected, and every client once an event is published (issue 18, sse-scale: connects were quadratic)', async () => {
    const hub = hubWith({});
    const clients = Array.from({ length: 100 }, () => attach(hub));
    await turn();
    const pump = vi.spyOn(SseClient.prototype, 'pump');
    try {
      const late = attach(hub);
      await turn();
      expect(pump).toHaveBeenCalledTimes(1);
      expect(late.received).toContain('retry: ');
      pump.mockClear();
      hub.publish('reading', { device: 'd', ts: 1, values: { v: 1 } }, 'd');
      await turn();
      expect(pump).toHaveBeenCalledTimes(101);
      for (const res of [...clients, late]) expect(res.frames().map((f) => f.event)).toEqual(['reading']);
    } finally {
      pump.mockRestore();
    }
  });

  it('skips the clients that follow none of the devices an event concerns, and still gives them their own later', async () => {
    const hub = hubWith({});
    const clients = Array.from({ length: 100 }, (_, i) => attach(hub, undefined, { devices: new Set([`d-${i}`]) }));
    const everyone = attach(hub);
    await turn();
    const pump = vi.spyOn(SseClient.prototype, 'pump');
    try {
      for (let i = 0; i < 5; i++) hub.publish('reading', { device: 'd-1', ts: i, values: { v: i } }, 'd-1');
      await turn();
      // d-1's follower and the unfiltered client: not the 99 others.
      expect(pump).toHaveBeenCalledTimes(2);
      hub.publish('reading', { device: 'd-2', ts: 9, values: { v: 9 } }, 'd-2');
      hub.publish('alert', { device: null }, null);
      await turn();
      expect(pump).toHaveBeenCalledTimes(2 + 101);
    } finally {
      pump.mockRestore();
    }
    expect(clients[1]!.frames().map((f) => JSON.parse(f.data).ts)).toEqual([0, 1, 2, 3, 4, undefined]);
    expect(clients[2]!.frames().map((f) => f.event)).toEqual(['reading', 'alert']);
    expect(clients[3]!.frames().map((f) => f.event)).toEqual(['alert']);
    expect(everyone.frames()).toHaveLength(7);
    for (const res of clients) expect(res.frames().some((f) => f.event === 'reset')).toBe(false);
  });
});
