/**
 * Scenario 6, soak (full run only): 10 minutes at the QoS 1 SQLite target rate (12,000
 * readings/s) with 100 SSE clients, each following one of the 100 devices (120 events/s each).
 * Pass: memory flat in every server process, every reading stored, every client served every
 * reading of its device, none dropped.
 */
import { startFleet } from '../clients/fleet.ts';
import { cpuLine } from '../harness/cpu.ts';
import { scoped, sleep } from '../harness/scope.ts';
import { sqliteProbe } from '../harness/stored.ts';
import { startStack } from '../harness/vigil.ts';
import { mb, ms, num, type Table } from '../table.ts';
import { FLAT_MB_PER_MIN, memoryTrend } from './soak-trend.ts';
import { streamPhase } from './stream-phase.ts';
import type { JsonValue, ScenarioContext, ScenarioResult, TargetCheck } from './types.ts';

const RATE = 12_000;
const CLIENTS = 100;
const DEVICES = 100;
const SECONDS = 600;
const SAMPLE_MS = 5_000;

export async function soakScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  return scoped(async (scope) => {
    const stack = await startStack(scope, 'soak');
    const port = Number(new URL(stack.api.url).port);
    const device = (i: number) => `soak-${String((i % DEVICES) + 1).padStart(3, '0')}`;
    const fleet = await startFleet(
      scope,
      Array.from({ length: CLIENTS }, (_, i) => ({ port, path: `/api/stream?devices=${device(i)}&events=reading` })),
      1,
    );
    const connected = await fleet.connect();
    if (connected.ok !== CLIENTS) throw new Error(`soak: only ${connected.ok} of ${CLIENTS} SSE clients connected`);
    const probe = sqliteProbe(stack.dir);
    scope.defer(() => probe.close());
    ctx.log(`soak: ${num(RATE)} readings/s, QoS 1, SQLite, ${CLIENTS} clients, ${SECONDS / 60} minutes`);
    let nextLog = 60_000;
    const outcome = await streamPhase(scope, {
      broker: stack.broker,
      fleet,
      roles: [
        { name: 'broker', pid: stack.broker.pid },
        { name: 'ingest', pid: stack.ingest.pid },
        { name: 'api', pid: stack.api.child.pid },
      ],
      devices: DEVICES,
      qos: 1,
      rate: RATE,
      seconds: SECONDS,
      idPrefix: 'soak-',
      warmupMs: 5_000,
      sampleMs: SAMPLE_MS,
      perClientExpected: (published) => Math.floor(published / DEVICES),
      during: (elapsed) => {
        if (elapsed < nextLog) return;
        nextLog += 60_000;
        ctx.log(`soak: ${Math.round(elapsed / 60_000)} min, ${num(probe.progress().stored)} stored`);
      },
    });
    // Every reading acknowledged was stored before its PUBACK; wait out the last second of them.
    let stored = await probe.exact();
    for (let i = 0; i < 30 && stored < outcome.published; i++) {
      await sleep(500);
      stored = await probe.exact();
    }
    const trends = outcome.cpu.filter((u) => ['broker', 'ingest', 'api'].includes(u.name)).map(memoryTrend);
    const lost = outcome.published - stored;
    const expectedPerClient = Math.floor(outcome.published / DEVICES);
    const table: Table = {
      title: `Soak: ${num(RATE)} readings/s, QoS 1, SQLite, ${CLIENTS} SSE clients (one device each), ${SECONDS / 60} minutes`,
      headers: ['process', 'RSS start', 'RSS end', 'RSS max', 'floor trend (MB/min)', 'all-samples trend (MB/min)', 'flat'],
      rows: trends.map((t) => [
        t.name,
        mb(t.startBytes),
        mb(t.endBytes),
        mb(t.maxBytes),
        num(t.floorMbPerMinute, 2),
        num(t.mbPerMinute, 2),
        t.flat ? 'yes' : 'NO',
      ]),
      notes: [
        `RSS sampled every 5 s; the trends are fitted over the last 80% of the run (the first 20% is warm-up); flat = the floor (each minute's lowest sample) rises by less than ${FLAT_MB_PER_MIN} MB/min.`,
        `published ${num(outcome.published)} (${num(outcome.offered)}/s), stored ${num(stored)}, lost ${num(lost)}`,
        `delivery: min client ${num(outcome.perClientMin)} of ${num(expectedPerClient)} expected, dropped ${num(outcome.dropped)}; latency p50 ${ms(outcome.latency.p50)}, p99 ${ms(outcome.latency.p99)}, p99.9 ${ms(outcome.latency.p999)}, max ${ms(outcome.latency.max)}`,
        `CPU: ${cpuLine(outcome.cpu)}`,
      ],
    };
    const flat = trends.every((t) => t.flat);
    const targets: TargetCheck[] = [
      {
        scenario: 'soak',
        what: `${SECONDS / 60} min at ${num(RATE)}/s QoS 1 with ${CLIENTS} SSE clients`,
        target: 'memory flat, no loss, no dropped clients',
        measured: `RSS floor trend ${trends.map((t) => `${t.name} ${num(t.floorMbPerMinute, 2)}`).join(', ')} MB/min; lost ${num(lost)}; dropped ${num(outcome.dropped)}; min client ${num(outcome.perClientMin)}/${num(expectedPerClient)}`,
        met: flat && lost === 0 && outcome.dropped === 0 && outcome.perClientMin >= expectedPerClient && outcome.offered >= RATE * 0.98,
      },
    ];
    const data: JsonValue = {
      rate: RATE,
      seconds: SECONDS,
      published: outcome.published,
      offered: outcome.offered,
      stored,
      lost,
      latency: { ...outcome.latency },
      perClientMin: outcome.perClientMin,
      expectedPerClient,
      dropped: outcome.dropped,
      trends: trends.map((t) => ({ ...t })),
      rss: Object.fromEntries(outcome.cpu.filter((u) => u.rss.length > 0).map((u) => [u.name, u.rss.map((p) => [...p])])),
    };
    return { name: 'soak', title: 'Soak', tables: [table], targets, notes: [], data };
  });
}
