/**
 * The peers of the ingest scenario, run on the same broker with the same simulator load:
 * a bare mqtt.js subscriber and mosquitto_sub (the broker-to-client ceiling), and raw
 * better-sqlite3 and raw InfluxDB /write loops (the stores' ceilings).
 */
import type { RoleUsage } from '../harness/cpu.ts';
import { CpuMeter } from '../harness/cpu.ts';
import { scoped, sleep } from '../harness/scope.ts';
import { spawnTs } from '../harness/spawn.ts';
import { runSimulator, simArgs, startBroker } from '../harness/vigil.ts';
import { rawInfluxWrites, type RawWriteResult } from '../peers/influx-raw.ts';
import { startMosquittoSub } from '../peers/mosquitto-sub.ts';
import type { SubReport } from '../peers/mqtt-sub.ts';
import { rawSqliteInserts, type RawInsertResult } from '../peers/sqlite-raw.ts';

export interface SubscriberOutcome {
  readonly published: number;
  readonly received: number;
  /** Readings/s between the first and the last message the subscriber got. */
  readonly rate: number;
  readonly cpu: readonly RoleUsage[];
}

const STALL_MS = 2_000;
let runs = 0;

/** Floods `messages` through the broker to one subscriber peer and counts what arrives. */
export async function runSubscriberPeer(
  kind: 'mqtt.js' | 'mosquitto_sub',
  qos: 0 | 1,
  batch: number,
  messages: number,
): Promise<SubscriberOutcome> {
  return scoped(async (scope) => {
    const run = ++runs;
    const broker = await startBroker(scope);
    const prefix = `peer${run}`;
    const topic = `devices/+/telemetry`;
    let counts: () => { readings: number; firstAt: number; lastAt: number };
    let pid: number;
    if (kind === 'mqtt.js') {
      const child = spawnTs('mqtt-sub', 'bench/peers/mqtt-sub.ts', [JSON.stringify({ url: broker.url, topic, qos })]);
      scope.defer(() => child.stop());
      await child.waitFor(/"type":"ready"/, 30_000);
      pid = child.pid;
      let latest: SubReport = { type: 'report', messages: 0, readings: 0, firstAt: 0, lastAt: 0 };
      child.onLine((line) => {
        if (line.startsWith('{"type":"report"')) latest = JSON.parse(line) as SubReport;
      });
      counts = () => latest;
      // Ask for a fresh report every poll; the answer arrives within the poll interval.
      const timer = setInterval(() => child.send({ cmd: 'report' }), 100);
      scope.defer(() => clearInterval(timer));
    } else {
      const sub = await startMosquittoSub(scope, broker.port, topic, qos);
      pid = sub.pid;
      counts = () => {
        const c = sub.counts();
        return { readings: c.lines * batch, firstAt: c.firstAt, lastAt: c.lastAt };
      };
    }
    const meter = new CpuMeter([
      { name: 'broker', pid: broker.pid },
      { name: kind, pid },
      { name: 'bench', pid: 'self' },
    ]);
    const sim = runSimulator(
      scope,
      simArgs(broker, { devices: 100, qos, batch, rate: 1_000_000, count: messages, idPrefix: `${prefix}-` }),
    );
    await sim.started;
    meter.add({ name: 'sim', pid: sim.child.pid, mayExit: true });
    meter.start();
    let done = false;
    let expected = Number.POSITIVE_INFINITY;
    void sim.summary.then(
      (s) => {
        done = true;
        expected = s.entries;
      },
      () => (done = true),
    );
    let last = -1;
    let lastChange = performance.now();
    for (let i = 0; i < 1_800; i++) {
      await sleep(100);
      const c = counts();
      if (c.readings !== last) lastChange = performance.now();
      last = c.readings;
      if (done && (c.readings >= expected || performance.now() - lastChange > STALL_MS)) break;
    }
    await sleep(150);
    const cpu = meter.stop();
    const summary = await sim.summary;
    const c = counts();
    const seconds = (c.lastAt - c.firstAt) / 1000;
    return { published: summary.entries, received: c.readings, rate: seconds > 0 ? c.readings / seconds : Number.NaN, cpu };
  });
}

export interface StorePeerOutcomes {
  readonly sqlitePerReading: RawInsertResult & { readonly cpu: readonly RoleUsage[] };
  readonly sqliteBatched: RawInsertResult & { readonly cpu: readonly RoleUsage[] };
  readonly influx: (RawWriteResult & { readonly cpu: readonly RoleUsage[] }) | undefined;
}

export async function runStorePeers(quick: boolean, influx: { url: string; pid: number } | undefined): Promise<StorePeerOutcomes> {
  return scoped(async (scope) => {
    const dir = await scope.tempDir('raw');
    const measured = async <T>(
      roles: { name: string; pid: number }[],
      body: () => Promise<T> | T,
    ): Promise<T & { cpu: readonly RoleUsage[] }> => {
      const meter = new CpuMeter([{ name: 'bench (writer)', pid: 'self' }, ...roles]);
      meter.start();
      const result = await body();
      return { ...result, cpu: meter.stop() };
    };
    const sqlitePerReading = await measured([], () => rawSqliteInserts(dir, quick ? 40_000 : 200_000, 1));
    const sqliteBatched = await measured([], () => rawSqliteInserts(dir, quick ? 400_000 : 2_000_000, 1_000));
    const influxResult = influx
      ? await measured([{ name: 'influxd', pid: influx.pid }], () =>
          rawInfluxWrites(influx.url, `bench_raw_${process.pid}`, quick ? 200_000 : 1_000_000, 5_000),
        )
      : undefined;
    return { sqlitePerReading, sqliteBatched, influx: influxResult };
  });
}
