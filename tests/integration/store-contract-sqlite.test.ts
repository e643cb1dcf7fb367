import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { SqliteStore } from '../../store/sqlite.ts';
import { defineStoreContract } from '../contract/store-contract.ts';

let dir = '';
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-contract-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

defineStoreContract('SQLite', async ({ retentionMs, now }) =>
  SqliteStore.open({
    path: join(dir, `store-${++n}.db`),
    pruneEveryMs: 0,
    ...(retentionMs ? { retentionMs } : {}),
    ...(now ? { now } : {}),
  }),
);
