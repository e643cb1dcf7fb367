/**
 * The 7-day history query of docs/storage.md on its own: the `history` scenario of the benchmark
 * suite (bench/scenarios/history.ts), 7 runs per query.
 *
 *   npx tsx bench/history.ts             # starts a throwaway influxd 1.x (Debian's) on a free port
 *   BENCH_INFLUX_URL=http://127.0.0.1:8086 npx tsx bench/history.ts   # or uses that one
 *
 * Same figures as `npm run bench -- --quick --only history`; prints the table and writes
 * bench/results/history.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_SETTINGS } from './config.ts';
import { ROOT } from './harness/spawn.ts';
import { describeMachine, machineLine } from './machine.ts';
import { historyScenario } from './scenarios/history.ts';
import { formatTable } from './table.ts';

const { influxUrl, influxToken } = BENCH_SETTINGS;
const result = await historyScenario(
  { quick: true, log: (line) => process.stderr.write(`${line}\n`) },
  { ...(influxUrl ? { influxUrl } : {}), ...(influxToken ? { influxToken } : {}) },
);
process.stdout.write(`\n${machineLine(describeMachine())}\n\n`);
for (const table of result.tables) process.stdout.write(`${formatTable(table)}\n\n`);
const out = join(ROOT, 'bench', 'results', 'history.json');
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
