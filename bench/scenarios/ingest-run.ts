/**
 * One ingest run: a fresh `npm run ingest` process on its own store, the simulator in its own
 * process publishing through Mosquitto, and the store polled from outside until every published
 * reading is stored (or nothing moves for a while). CPU of every process over the run.
 */
import type { RoleUsage } from '../harness/cpu.ts';
import { CpuMeter } from '../harness/cpu.ts';
import { scoped, sleep } from '../harness/scope.ts';
import { influxProbe, sqliteProbe, type StoreProbe } from '../harness/stored.ts';
import { runSimulator, simArgs, startBroker, startIngest } from '../harness/vigil.ts';
import { crossing, floodRate, heldRate } from './ingest-rates.ts';
import type { ScenarioContext } from './types.ts';

export type Load =
  | { readonly kind: 'flood'; readonly messages: number }
  | { readonly kind: 'rate'; readonly readingsPerSecond: number; readonly seconds: number };

export interface IngestCase {
  readonly store: 'sqlite' | 'influx';
  readonly qos: 0 | 1;
  readonly batch: number;
  readonly load: Load;
}

export interface IngestOutcome {
  readonly published: number;
  readonly stored: number;
  readonly lost: number;
  /** Readings/s stored: between 10% and 90% of the final count for a flood, over the whole run at a set rate. */
  readonly rate: number;
  /** InfluxDB only: readings/s committed to the spool (what QoS 1 is acknowledged after). */
  readonly durableRate: number | undefined;
  /** Readings/s the simulator published. */
  readonly offered: number;
  /** ms from the simulator's last publish to the last reading stored. */
  readonly tailMs: number;
  readonly cpu: readonly RoleUsage[];
  readonly timeline: readonly (readonly [number, number])[];
}

export interface IngestShared {
  readonly influx: { readonly url: string; readonly pid: number } | undefined;
}

const DEVICES = 100;
const POLL_MS = 100;
/** A run ends once nothing was stored for this long after the simulator finished. */
const STALL_MS = 3_000;
const MAX_RUN_MS = 180_000;

let runs = 0;

export async function runIngestCase(c: IngestCase, shared: IngestShared, ctx: ScenarioContext): Promise<IngestOutcome> {
  return scoped(async (scope) => {
    const run = ++runs;
    // A broker per run: ingest's persistent session outlives its process and, as a member of the
    // $share/vigil group, would go on taking a share of the next run's messages.
    const broker = await startBroker(scope);
    const dir = await scope.tempDir('ingest');
    const database = `bench_ingest_${process.pid}_${run}`;
    if (c.store === 'influx' && !shared.influx) throw new Error('InfluxDB is not running');
    const ingest = await startIngest(scope, {
      brokerUrl: broker.url,
      dir,
      store: c.store,
      clientId: `bench-${process.pid}-${run}`,
      ...(c.store === 'influx' ? { influxUrl: shared.influx!.url, influxDatabase: database } : {}),
    });
    const influx = c.store === 'influx' ? influxProbe(dir, shared.influx!.url, database) : undefined;
    const probe: StoreProbe = influx ?? sqliteProbe(dir);
    scope.defer(() => probe.close());
    const meter = new CpuMeter([
      { name: 'broker', pid: broker.pid },
      { name: 'ingest', pid: ingest.pid, tree: true },
      ...(shared.influx && c.store === 'influx' ? [{ name: 'influxd', pid: shared.influx.pid }] : []),
      { name: 'bench', pid: 'self' as const },
    ]);
    const load =
      c.load.kind === 'flood'
        ? { rate: 1_000_000, count: c.load.messages }
        : { rate: Math.max(1, Math.round(c.load.readingsPerSecond / c.batch)), duration: `${c.load.seconds}s` };
    const sim = runSimulator(scope, simArgs(broker, { devices: DEVICES, qos: c.qos, batch: c.batch, idPrefix: `b${run}-`, ...load }));
    await sim.started;
    meter.add({ name: 'sim', pid: sim.child.pid, mayExit: true });
    // Each device's retained "online" is one spool row that is not a reading.
    influx?.setBase(DEVICES);
    meter.start();
    const t0 = performance.now();
    // When the simulator process has exited (its summary printed); its last publish was earlier.
    let simEnd: number | undefined;
    void sim.summary.then(
      () => (simEnd = performance.now() - t0),
      () => (simEnd = performance.now() - t0),
    );
    const timeline: [number, number][] = [[0, 0]];
    const durable: [number, number][] = [[0, 0]];
    let lastChange = 0;
    let expected = Number.POSITIVE_INFINITY;
    void sim.summary.then(
      (s) => (expected = s.entries),
      () => undefined,
    );
    for (;;) {
      await sleep(POLL_MS);
      const t = performance.now() - t0;
      const p = probe.progress();
      if (p.stored !== timeline[timeline.length - 1]![1]) lastChange = t;
      timeline.push([t, p.stored]);
      durable.push([t, p.durable]);
      if (simEnd !== undefined && p.stored >= expected) break;
      if (simEnd !== undefined && t - Math.max(lastChange, simEnd) > STALL_MS) break;
      if (t > MAX_RUN_MS) {
        ctx.log(`ingest run ${run}: stopped at the ${MAX_RUN_MS / 1000} s limit`);
        break;
      }
    }
    const cpu = meter.stop();
    const summary = await sim.summary;
    // The spool count includes the fleet's "offline" rows at stop; InfluxDB's own count is the truth.
    let stored = await probe.exact();
    if (influx) {
      const deadline = Date.now() + 15_000;
      while (stored < summary.entries && Date.now() < deadline) {
        await sleep(250);
        stored = await probe.exact();
      }
    }
    const final = timeline[timeline.length - 1]![1];
    const lastStored = crossing(timeline, final) ?? lastChange;
    const publishMs = summary.durationMs;
    const rate = c.load.kind === 'flood' ? floodRate(timeline, influx ? durable : timeline) : heldRate(stored, publishMs, lastStored);
    let durableRate: number | undefined;
    if (influx) {
      const dFinal = durable[durable.length - 1]![1];
      durableRate = c.load.kind === 'flood' ? floodRate(durable) : heldRate(dFinal, publishMs, crossing(durable, dFinal) ?? publishMs);
    }
    return {
      published: summary.entries,
      stored,
      lost: summary.entries - stored,
      rate,
      durableRate,
      offered: summary.entries / (summary.durationMs / 1000),
      // The summary's duration runs from the first publish to the last one settled.
      tailMs: Math.max(0, lastStored - summary.durationMs),
      cpu,
      timeline: timeline.filter((_, i) => i % 5 === 0).map(([t, v]) => [Math.round(t), v] as const),
    };
  });
}
