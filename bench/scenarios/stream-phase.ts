/**
 * One measured phase of a live-stream scenario (latency, SSE scale, soak): the simulator
 * publishes at a rate or interval for a while, the SSE clients time every event from the `ts`
 * in its payload, and every process's CPU is read over the phase. The server side (Vigil or
 * the Nchan peer) is whatever the caller has running.
 */
import type { Fleet, Tap } from '../clients/fleet.ts';
import { CpuMeter, type RoleSpec, type RoleUsage } from '../harness/cpu.ts';
import { sleep, type Scope } from '../harness/scope.ts';
import { runSimulator, simArgs, type Broker } from '../harness/vigil.ts';
import type { LatencySummary } from '../stats.ts';

export interface PhaseOptions {
  readonly broker: Broker;
  readonly fleet: Fleet;
  /** Times what ingest forwards (Vigil only), so the latency splits into ingest's share and the rest. */
  readonly tap?: Tap;
  /** The server's processes (the simulator, clients and this process are added here). */
  readonly roles: readonly RoleSpec[];
  readonly devices: number;
  readonly qos: 0 | 1;
  /** Total readings per second, or each device's interval ("1s"). */
  readonly rate?: number;
  readonly interval?: string;
  readonly seconds: number;
  readonly idPrefix: string;
  /** Events published in the first part of the phase are counted but not timed. */
  readonly warmupMs: number;
  /** Samples of the server's RSS, for the soak's "memory flat" check. */
  readonly sampleMs?: number;
  /** Readings each client should get of `published` (default: all of them). */
  readonly perClientExpected?: (published: number) => number;
  /** Called with the meter running, while the simulator publishes (the soak's progress lines). */
  readonly during?: (elapsedMs: number) => void;
}

export interface PhaseOutcome {
  readonly published: number;
  /** Readings/s the simulator published. */
  readonly offered: number;
  readonly latency: LatencySummary;
  /** Publish to the forwarded batch on the broker (ingest's share); with a tap only. */
  readonly forwarded: LatencySummary | undefined;
  /** Events every client should have had (each gets all, or its device's share). */
  readonly events: number;
  readonly perClientMin: number;
  readonly perClientMax: number;
  readonly open: number;
  readonly dropped: number;
  readonly failed: number;
  readonly clientsRssBytes: number;
  readonly cpu: readonly RoleUsage[];
}

/**
 * After the simulator stops, the clients are asked every second until every client has every
 * reading, or their count stopped moving, or this long passed: a backlog is waited for (and shows
 * in the latency) rather than cut off and mistaken for loss.
 */
const DRAIN_LIMIT_MS = 20_000;
const NEVER = Number.MAX_SAFE_INTEGER;

export async function streamPhase(scope: Scope, o: PhaseOptions): Promise<PhaseOutcome> {
  await o.fleet.reset(NEVER);
  const sim = runSimulator(
    scope,
    simArgs(o.broker, {
      devices: o.devices,
      qos: o.qos,
      idPrefix: o.idPrefix,
      duration: `${o.seconds}s`,
      ...(o.rate !== undefined ? { rate: o.rate } : {}),
      ...(o.interval !== undefined ? { interval: o.interval } : {}),
    }),
  );
  await sim.started;
  const meter = new CpuMeter(
    [
      ...o.roles,
      { name: 'sim', pid: sim.child.pid, mayExit: true },
      { name: 'clients', pid: o.tap ? [...o.fleet.pids, o.tap.pid] : o.fleet.pids },
      { name: 'bench', pid: 'self' },
    ],
    o.sampleMs ?? 500,
  );
  meter.start();
  const timeFrom = Date.now() + o.warmupMs;
  await Promise.all([o.fleet.timeFrom(timeFrom), o.tap?.timeFrom(timeFrom)]);
  let done = false;
  void sim.summary.then(
    () => (done = true),
    () => (done = true),
  );
  const started = performance.now();
  while (!done && performance.now() - started < o.seconds * 1_000 + 60_000) {
    await sleep(1_000);
    o.during?.(performance.now() - started);
  }
  const summary = await sim.summary;
  const expected = o.perClientExpected?.(summary.entries) ?? summary.entries;
  const drainUntil = performance.now() + DRAIN_LIMIT_MS;
  let report = await o.fleet.report();
  for (let before = -1; report.perClientMin < expected && report.events !== before && performance.now() < drainUntil; ) {
    before = report.events;
    await sleep(1_000);
    report = await o.fleet.report();
  }
  const cpu = meter.stop();
  const forwarded = o.tap ? (await o.tap.report()).summary() : undefined;
  return {
    published: summary.entries,
    offered: summary.entries / (summary.durationMs / 1000),
    latency: report.histogram.summary(),
    forwarded,
    events: report.events,
    perClientMin: report.perClientMin,
    perClientMax: report.perClientMax,
    open: report.open,
    dropped: report.dropped,
    failed: report.failed,
    clientsRssBytes: report.rssBytes,
    cpu,
  };
}
