import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { InfluxStore } from '../../store/influx/store.ts';
import { startInflux, type InfluxServer } from '../helpers/index.ts';
import { defineStoreContract } from '../contract/store-contract.ts';

let server: InfluxServer | undefined;
let dir = '';
let n = 0;
beforeAll(async () => {
  server = await startInflux();
  dir = await mkdtemp(join(tmpdir(), 'vigil-contract-influx-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

defineStoreContract('InfluxDB 1.x (real influxd)', async ({ retentionMs, now }) => {
  if (!server) throw new Error('influxd did not start');
  const id = ++n;
  // A database per test, so each starts empty, on one server for the whole file.
  return InfluxStore.open({
    url: server.url,
    token: undefined,
    database: `contract_${id}`,
    spoolPath: join(dir, `spool-${id}.db`),
    lingerMs: 5,
    // Only rollupNow() rolls: a timer rolling mid-test would serve minutes written again before they settled.
    rollupIntervalMs: 3_600_000,
    ...(retentionMs ? { retentionMs } : {}),
    ...(now ? { now } : {}),
  });
});
