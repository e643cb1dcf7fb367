/**
 * acknowledgeAfter: the callback that makes mqtt.js send PUBACK (and read the next packet) runs
 * only once the message is durable; a failing store holds the message and retries, which is the
 * backpressure on the broker; on stop a failing message is left unacknowledged.
 *
 * `deliver` plays mqtt.js's part: one packet at a time, the next only after the callback.
 */
import { describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt';
import { acknowledgeAfter, type AcknowledgeOptions } from '../../../ingest/acknowledge.ts';
import { createMessageHandler, type MessageHandler, type MessageOutcomes } from '../../../ingest/handle-message.ts';
import { MemoryStore } from '../../../store/memory.ts';
import { GroupCommit } from '../../../ingest/group-commit.ts';
import { SourceRouter } from '../../../sources/router.ts';
import { vigilSource } from '../../../sources/vigil.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

function packet(topic: string, payload: string, qos: 0 | 1 = 1, retain = false): IPublishPacket {
  return { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false, ...(qos > 0 ? { messageId: 1 } : {}) };
}

const reading = (ts: number, t: number, qos: 0 | 1 = 1) => packet('devices/dev-1/telemetry', JSON.stringify({ ts, t }), qos);

interface Counters {
  received: number;
  settled: number;
  errors: [string, number][];
}

function ingest(store: MemoryStore, options: Partial<AcknowledgeOptions> = {}) {
  const outcomes: MessageOutcomes = {
    accepted: () => undefined,
    rejected: () => undefined,
    status: (device, status, ts) => store.recordStatus(device, status, ts),
    ignored: () => undefined,
    configured: () => undefined,
    meta: () => undefined,
  };
  const counters: Counters = { received: 0, settled: 0, errors: [] };
  const router = new SourceRouter([vigilSource('devices')]);
  const handle = createMessageHandler({ router, sink: store, outcomes, now: () => NOW });
  const onMessage = acknowledgeAfter(handle, {
    maxBackoffMs: 1,
    onReceived: () => counters.received++,
    onSettled: () => counters.settled++,
    onStoreError: (err, attempt) => counters.errors.push([err.message, attempt]),
    ...options,
  });
  return { counters, onMessage };
}

type OnMessage = ReturnType<typeof acknowledgeAfter>;

/** Resolves with the callback's argument for each packet, delivered strictly one after another. */
async function deliver(
  onMessage: OnMessage,
  packets: readonly IPublishPacket[],
  acked: (Error | undefined)[] = [],
): Promise<(Error | undefined)[]> {
  for (const p of packets) acked.push(await new Promise<Error | undefined>((resolve) => onMessage(p, (err) => resolve(err))));
  return acked;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function values(store: MemoryStore): Promise<number[]> {
  const rows = [];
  for await (const row of store.exportRaw({ device: 'dev-1', from: 0, to: NOW })) rows.push(row.value);
  return rows;
}

describe('acknowledgeAfter', () => {
  it.each([0, 1] as const)('acknowledges a QoS %i message once, after its reading is stored', async (qos) => {
    const store = new MemoryStore();
    const { counters, onMessage } = ingest(store);
    let storedWhenAcked: number[] | undefined;
    await new Promise<void>((resolve) =>
      onMessage(reading(NOW - 1_000, 5, qos), (err) => {
        expect(err).toBeUndefined();
        void values(store).then((v) => {
          storedWhenAcked = v;
          resolve();
        });
      }),
    );
    expect(storedWhenAcked).toEqual([5]);
    expect(counters).toEqual({ received: 1, settled: 0, errors: [] });
  });

  it('acknowledges a rejected message at once: there is nothing to store and nothing to retry', async () => {
    const store = new MemoryStore();
    const { counters, onMessage } = ingest(store);
    expect(await deliver(onMessage, [packet('devices/dev-1/telemetry', '{'), packet('nowhere', 'x', 0)])).toEqual([undefined, undefined]);
    expect(counters).toEqual({ received: 2, settled: 0, errors: [] });
  });

  it('waits for an asynchronous write (a status) before acknowledging', async () => {
    const store = new MemoryStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: MessageHandler = async () => {
      await gate;
      await store.recordStatus('dev-1', 'online', NOW);
    };
    let acked = false;
    acknowledgeAfter(slow, { onStoreError: () => undefined })(packet('devices/dev-1/status', 'online'), () => (acked = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(acked).toBe(false);
    release();
    await until(() => acked);
    expect((await store.device('dev-1'))?.reported).toBe('online');
  });

  it('holds a message while the store fails, retries with growing attempts, and acknowledges once it is stored', async () => {
    const store = new MemoryStore();
    const { counters, onMessage } = ingest(store);
    store.faults.write = new Error('disk full');
    let acked: Error | undefined | 'pending' = 'pending';
    onMessage(reading(NOW - 1_000, 7), (err) => (acked = err));
    await until(() => counters.errors.length >= 3);
    expect(acked).toBe('pending');
    expect(await values(store)).toEqual([]);
    store.faults.write = undefined;
    await until(() => acked !== 'pending');
    expect(acked).toBeUndefined();
    expect(await values(store)).toEqual([7]);
    expect(counters.errors.slice(0, 3)).toEqual([
      ['disk full', 1],
      ['disk full', 2],
      ['disk full', 3],
    ]);
    expect(counters.received).toBe(1);
    expect(counters.settled).toBe(1);
  });

  it('retries a status the store refused', async () => {
    const store = new MemoryStore();
    const { counters, onMessage } = ingest(store);
    store.faults.write = new Error('spool full');
    let acked = false;
    onMessage(packet('devices/dev-1/status', 'offline'), () => (acked = true));
    await until(() => counters.errors.length >= 2);
    store.faults.write = undefined;
    await until(() => acked);
    expect((await store.device('dev-1'))?.reported).toBe('offline');
  });

  it('wraps a thrown non-Error so the retry path always sees an Error', async () => {
    let calls = 0;
    const flaky: MessageHandler = () => {
      if (++calls === 1) throw 'nope';
    };
    const errors: string[] = [];
    await new Promise<void>((resolve) =>
      acknowledgeAfter(flaky, { maxBackoffMs: 1, onStoreError: (err) => errors.push(err.message) })(reading(NOW, 1), () => resolve()),
    );
    expect(errors).toEqual(['nope']);
    expect(calls).toBe(2);
  });

  it('on stop, leaves a failing message unacknowledged (callback with the error) for the broker to redeliver', async () => {
    const store = new MemoryStore();
    const stopping = new AbortController();
    const { counters, onMessage } = ingest(store, { signal: stopping.signal });
    store.faults.write = new Error('disk full');
    let acked: Error | undefined | 'pending' = 'pending';
    onMessage(reading(NOW - 1_000, 7), (err) => (acked = err));
    await until(() => counters.errors.length >= 1);
    stopping.abort();
    await until(() => acked !== 'pending');
    expect(acked).toBeInstanceOf(Error);
    expect((acked as unknown as Error).message).toBe('disk full');
    expect(counters.settled).toBe(1);
    expect(await values(store)).toEqual([]);
  });

  it('keeps arrival order: a held message holds the ones behind it, and all are stored in order', async () => {
    const store = new MemoryStore();
    const { counters, onMessage } = ingest(store);
    const packets = [1, 2, 3, 4, 5].map((i) => reading(NOW - 10_000 + i, i));
    const acked: (Error | undefined)[] = [];
    // The third write fails until the store recovers.
    let busy = true;
    const order: number[] = [];
    const append = store.appendSync.bind(store);
    store.appendSync = (entries, receivedAt) => {
      if (entries[0]!.values['t'] === 3 && busy) throw new Error('busy');
      append(entries, receivedAt);
      order.push(entries[0]!.values['t']!);
    };
    const done = deliver(onMessage, packets, acked);
    await until(() => counters.errors.length >= 2);
    // mqtt.js has not been called back for message 3, so 4 and 5 have not even been read.
    expect(acked).toHaveLength(2);
    expect(counters.received).toBe(3);
    busy = false;
    await done;
    expect(acked).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(await values(store)).toEqual([1, 2, 3, 4, 5]);
  });

  describe('QoS 0 through a group commit', () => {
    const grouped = (store: MemoryStore) => {
      const group = new GroupCommit(store);
      const outcomes: MessageOutcomes = {
        accepted: () => undefined,
        rejected: () => undefined,
        status: (device, status, ts) => store.recordStatus(device, status, ts),
        ignored: () => undefined,
        configured: () => undefined,
        meta: () => undefined,
      };
      const handle = createMessageHandler({
        router: new SourceRouter([vigilSource('devices')]),
        sink: store,
        outcomes,
        group,
        now: () => NOW,
      });
      const errors: number[] = [];
      const onMessage = acknowledgeAfter(handle, { maxBackoffMs: 1, onStoreError: (_err, attempt) => errors.push(attempt) });
      return { group, onMessage, errors };
    };

    it('lets the connection read on before the commit, so the messages of one read share one commit', async () => {
      const store = new MemoryStore();
      const { group, onMessage } = grouped(store);
      const order: string[] = [];
      // As mqtt.js does: the next packet only after the previous callback, all in one turn.
      const next = (i: number): void => {
        if (i > 5) return;
        onMessage(reading(NOW - 10_000 + i, i, 0), () => {
          order.push(`cb${i}`);
          next(i + 1);
        });
      };
      next(1);
      expect(order).toEqual(['cb1', 'cb2', 'cb3', 'cb4', 'cb5']);
      expect(await values(store)).toEqual([]);
      await until(() => group.stats.commits > 0);
      expect(group.stats).toEqual({ commits: 1, messages: 5 });
      expect(await values(store)).toEqual([1, 2, 3, 4, 5]);
    });

    it('QoS 1 still waits for its commit', async () => {
      const store = new MemoryStore();
      const { onMessage } = grouped(store);
      let storedWhenAcked: number[] | undefined;
      await new Promise<void>((resolve) =>
        onMessage(reading(NOW - 1_000, 9, 1), () => {
          void values(store).then((v) => {
            storedWhenAcked = v;
            resolve();
          });
        }),
      );
      expect(storedWhenAcked).toEqual([9]);
    });

    it('while a message is held for a retry, QoS 0 waits for its commit too (backpressure), and both are stored', async () => {
      const store = new MemoryStore();
      const { onMessage, errors } = grouped(store);
      store.faults.write = new Error('disk full');
      let first = false;
      onMessage(reading(NOW - 2_000, 1, 0), () => (first = true));
      expect(first).toBe(true);
      await until(() => errors.length >= 1);
      let second = false;
      onMessage(reading(NOW - 1_000, 2, 0), () => (second = true));
      await until(() => errors.length >= 4);
      expect(second).toBe(false);
      store.faults.write = undefined;
      await until(() => second);
      // The first one's retry may still be waiting for its backoff.
      let stored: number[] = [];
      while (stored.length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        stored = await values(store);
      }
      expect(stored.sort()).toEqual([1, 2]);
    });
  });
});
