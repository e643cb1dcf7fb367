/**
 * GET /api/devices over 10,000 devices (3 metrics each, half of them with a registry entry):
 * a page of 100 against the whole list, a filtered page, and the dashboard overview's refresh (its
 * page of 200 and the three other chips' counts, in parallel as the browser sends them), through
 * the real all-in-one on a SQLite file. Each query runs 21 times after 3 warm-ups; prints p50/p90 and the body size.
 *
 *   npx tsx bench/device-list.ts [devices]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVigil } from '../app/main.ts';
import { parseConfig } from '../lib/config.ts';
import { openStore } from '../store/index.ts';
import { SqliteRegistry } from '../store/registry-sqlite.ts';
import { percentile } from './stats.ts';
import { formatTable } from './table.ts';
import { freePort } from '../tests/helpers/ports.ts';

const DEVICES = Number(process.argv[2] ?? 10_000);
const RUNS = 21;

const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-devices-'));
const parsed = parseConfig({
  PORT: String(await freePort()),
  MQTT_PORT: String(await freePort()),
  SQLITE_PATH: join(dir, 'vigil.db'),
  SIM_DEVICES: '0',
  LOG_LEVEL: 'silent',
  VIGIL_TOKEN: 'bench-device-list-token-0123456789',
});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const config = parsed.config;

// Fill the store and the registry before Vigil starts, as a long-running install would have.
const now = Date.now();
const store = await openStore(config);
const registry = new SqliteRegistry(config.store.sqlitePath);
for (let i = 0; i < DEVICES; i++) {
  const device = `dev-${String(i).padStart(5, '0')}`;
  store.appendSync([{ device, ts: now - 1_000, values: { temperature: 20 + (i % 10), humidity: 40, pressure: 1013 } }], now - 1_000);
  if (i % 2 === 0)
    registry.setOperator(device, { name: `Sensor ${i}`, labels: { site: i % 4 === 0 ? 'berlin' : 'paris', floor: String(i % 7) } });
}
registry.close();
await store.close();

const vigil = await startVigil(config);
try {
  const rows: string[][] = [];
  for (const [label, query, ...parallel] of [
    ['limit=100', '?limit=100'],
    ['all (limit=10000)', '?limit=10000'],
    ['q=sensor 1&limit=100', '?q=sensor%201&limit=100'],
    ['label=site:berlin&status=online&limit=100', '?label=site:berlin&status=online&limit=100'],
    [
      'overview refresh: limit=200 + 3 counts (limit=1)',
      '?limit=200',
      '?status=online&limit=1',
      '?status=stale&limit=1',
      '?status=offline&limit=1',
    ],
  ] as const) {
    const times: number[] = [];
    let bytes = 0;
    let total = '';
    for (let run = 0; run < RUNS + 3; run++) {
      const started = performance.now();
      const [first, ...others] = await Promise.all([query, ...parallel].map((q) => fetch(`${vigil.url}/api/devices${q}`)));
      const res = first!;
      const body = (await Promise.all([res.text(), ...others.map((r) => r.text())]))[0]!;
      const took = performance.now() - started;
      if (res.status !== 200 || others.some((r) => r.status !== 200)) throw new Error(`${query}: ${res.status} ${body.slice(0, 200)}`);
      if (run >= 3) times.push(took);
      bytes = body.length;
      total = res.headers.get('x-total-count') ?? '';
    }
    times.sort((a, b) => a - b);
    rows.push([label, total, String(Math.round(bytes / 1024)), percentile(times, 50).toFixed(1), percentile(times, 90).toFixed(1)]);
  }
  process.stdout.write(
    `${formatTable({
      title: `GET /api/devices, ${DEVICES} devices (${RUNS} runs each)`,
      headers: ['query', 'X-Total-Count', 'KiB', 'p50 ms', 'p90 ms'],
      rows,
    })}\n`,
  );
} finally {
  await vigil.stop();
  await rm(dir, { recursive: true, force: true });
}
