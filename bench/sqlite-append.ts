/**
 * The SQLite store's commit cost for single readings, apart from MQTT: N appendSync calls of one
 * reading each (ingest's pattern for QoS 1 single readings over one mqtt.js connection) on a
 * file in the temp dir. CPU time is printed beside wall time because on a shared machine wall
 * time says more about the neighbours than about the store.
 *
 *   npx tsx bench/sqlite-append.ts [count=40000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/sqlite.ts';

const count = Number(process.argv[2] ?? 40_000);
const dir = mkdtempSync(join(tmpdir(), 'vigil-append-'));
const store = SqliteStore.open({ path: join(dir, 'append.db'), pruneEveryMs: 0 });
const t0 = Date.now();
const reading = (i: number, ts: number) => [{ device: `d${i % 100}`, ts, values: { temperature: i * 0.1 } }];
for (let i = 0; i < 2_000; i++) store.appendSync(reading(i, t0 - 100_000 + i), Date.now());
const cpu0 = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < count; i++) store.appendSync(reading(i, t0 + i), Date.now());
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
await store.close();
rmSync(dir, { recursive: true, force: true });
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `${count} appends: ${wallMs.toFixed(0)} ms wall (${((wallMs * 1000) / count).toFixed(1)} us each), ${cpuMs.toFixed(0)} ms CPU (${((cpuMs * 1000) / count).toFixed(1)} us each)`,
);
