/**
 * The group-commit queue in front of the store: messages waiting in one event-loop turn are
 * committed together, each settles only after that commit, and a failed commit releases nothing
 * of its group (each message is then tried alone, so only the one that fails stays held).
 */
import { describe, expect, it } from 'vitest';
import type { TelemetryEntry } from '../../../domain/reading.ts';
import { acknowledgeAfter } from '../../../ingest/acknowledge.ts';
import { GroupCommit } from '../../../ingest/group-commit.ts';
import { createMessageHandler, type MessageOutcomes } from '../../../ingest/handle-message.ts';
import { SourceRouter } from '../../../sources/router.ts';
import { vigilSource } from '../../../sources/vigil.ts';
import { MemoryStore } from '../../../store/memory.ts';
import { entry } from '../../contract/store-contract.ts';

/** The in-memory store, with a log of commits and a device whose readings cannot be stored. */
class LoggedStore extends MemoryStore {
  readonly log: string[] = [];
  failing = new Set<string>();
  override appendSync(entries: readonly TelemetryEntry[], receivedAt: number): void {
    if (entries.some((e) => this.failing.has(e.device))) {
      this.log.push(`failed ${entries.length}`);
      throw new Error('disk I/O error');
    }
    super.appendSync(entries, receivedAt);
    this.log.push(`commit ${entries.map((e) => e.device).join(',')}`);
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function storedCount(store: MemoryStore, device: string): Promise<number> {
  let n = 0;
  for await (const _ of store.exportRaw({ device, from: 0, to: Number.MAX_SAFE_INTEGER })) n++;
  return n;
}

describe('GroupCommit', () => {
  it('commits the messages of one turn in one appendSync and settles each only after it', async () => {
    const store = new LoggedStore();
    const group = new GroupCommit(store);
    const settled = ['a', 'b', 'c'].map((d, i) =>
      group.append([entry(d, 1_000 + i, { t: i })], 5_000 + i).then(() => store.log.push(`ack ${d}`)),
    );
    await Promise.resolve();
    expect(store.log).toEqual([]);
    await Promise.all(settled);
    expect(store.log).toEqual(['commit a,b,c', 'ack a', 'ack b', 'ack c']);
    expect(group.stats).toEqual({ commits: 1, messages: 3 });
    // The latest arrival of the group is the device's last_seen.
    expect((await store.device('a'))?.lastSeen).toBe(5_002);
  });

  it('starts a new group for what arrives after the commit was scheduled to run', async () => {
    const store = new LoggedStore();
    const group = new GroupCommit(store);
    const first = group.append([entry('a', 1, { t: 1 })], 1);
    await turn();
    const second = group.append([entry('b', 2, { t: 2 })], 2);
    await Promise.all([first, second]);
    expect(store.log).toEqual(['commit a', 'commit b']);
  });

  it('releases nothing of a group whose commit failed: the others are committed alone, the failing one is rejected', async () => {
    const store = new LoggedStore();
    store.failing.add('bad');
    const group = new GroupCommit(store);
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((d) => group.append([entry(d, 1_000, { t: 1 })], 5_000)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.log).toEqual(['failed 3', 'commit a', 'failed 1', 'commit c']);
    expect(await storedCount(store, 'a')).toBe(1);
    expect(await storedCount(store, 'bad')).toBe(0);
  });

  it('rejects every message when the store fails them all', async () => {
    const store = new LoggedStore();
    store.failing = new Set(['a', 'b']);
    const group = new GroupCommit(store);
    const results = await Promise.allSettled(['a', 'b'].map((d) => group.append([entry(d, 1, { t: 1 })], 1)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('group commit behind acknowledgeAfter', () => {
  it('acknowledges each message only after the commit that holds its reading, and a failing one not at all', async () => {
    const store = new LoggedStore();
    store.failing.add('bad');
    const accepted: string[] = [];
    const outcomes: MessageOutcomes = {
      accepted: (entries) => accepted.push(entries[0]!.device),
      rejected: () => undefined,
      status: async () => undefined,
      ignored: () => undefined,
      configured: () => undefined,
      meta: () => undefined,
    };
    const router = new SourceRouter([vigilSource('devices')]);
    const handle = createMessageHandler({ router, sink: store, outcomes, group: new GroupCommit(store) });
    const stopping = new AbortController();
    const errors: number[] = [];
    const deliver = acknowledgeAfter(handle, { signal: stopping.signal, onStoreError: (_e, attempt) => errors.push(attempt) });
    const acked: string[] = [];
    for (const d of ['d1', 'bad', 'd2']) {
      const payload = JSON.stringify({ ts: 1_700_000_000_000, t: 1 });
      deliver({ topic: `devices/${d}/telemetry`, payload: Buffer.from(payload), retain: false }, (err) => {
        if (!err) acked.push(d);
      });
    }
    expect(acked).toEqual([]);
    await turn();
    await turn();
    expect(store.log.slice(0, 4)).toEqual(['failed 3', 'commit d1', 'failed 1', 'commit d2']);
    expect(acked.sort()).toEqual(['d1', 'd2']);
    expect(accepted.sort()).toEqual(['d1', 'd2']);
    expect(errors).toEqual([1]);
    stopping.abort();
  });
});
