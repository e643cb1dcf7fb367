/**
 * Scenario 1, ingest throughput: Vigil's ingest on SQLite and InfluxDB 1.x, QoS 0 and 1, one
 * reading per message and batches of 50, against the broker-to-client ceiling (mqtt.js,
 * mosquitto_sub) and the stores' ceilings (raw better-sqlite3, raw /write), in the same run.
 *
 * A QoS 1 flood (the simulator publishes as fast as it can, Mosquitto queues what ingest has not
 * taken yet) measures the rate ingest drains at, and loss must be zero. QoS 0 has no queue to
 * lean on, so it is offered at the target rate and whatever does not arrive is reported as loss.
 */
import { startInflux } from '../../tests/helpers/influx.ts';
import { cpuLine } from '../harness/cpu.ts';
import { scoped } from '../harness/scope.ts';
import { ratio } from '../stats.ts';
import { ratioTarget } from '../targets.ts';
import { ms, num, times, type Table } from '../table.ts';
import { runIngestCase, type IngestCase, type IngestOutcome } from './ingest-run.ts';
import { runStorePeers, runSubscriberPeer, type SubscriberOutcome } from './ingest-peers.ts';
import type { JsonValue, ScenarioContext, ScenarioResult, TargetCheck } from './types.ts';

const BATCH = 50;

interface Sizes {
  readonly floodSingle: number;
  readonly floodBatched: number;
  readonly rateSeconds: number;
}

/** Offered rates of the runs held at a set rate (information: the verdicts are ratios, below). */
const LOADS = { qos0Sqlite: 20_000, qos1Sqlite: 12_000, qos1Influx: 8_000, batched: 80_000 };
/**
 * Capacity goals against the peers in the same run (issue 18): one reading per message at >= 0.6x
 * a bare mqtt.js subscriber at the same QoS; batches at >= 0.8x of the raw store at its best
 * (better-sqlite3 with 1,000 readings a transaction; InfluxDB /write of 5,000 lines).
 */
const GOALS = { single: 0.6, batched: 0.8 };

function cases(quick: boolean, s: Sizes): IngestCase[] {
  const out: IngestCase[] = [];
  for (const store of ['sqlite', 'influx'] as const) {
    const single = store === 'sqlite' ? LOADS.qos0Sqlite : LOADS.qos1Influx;
    out.push({ store, qos: 0, batch: 1, load: { kind: 'rate', readingsPerSecond: single, seconds: s.rateSeconds } });
    out.push({ store, qos: 1, batch: 1, load: { kind: 'flood', messages: s.floodSingle } });
    out.push({ store, qos: 0, batch: BATCH, load: { kind: 'rate', readingsPerSecond: LOADS.batched, seconds: s.rateSeconds } });
    out.push({ store, qos: 1, batch: BATCH, load: { kind: 'flood', messages: s.floodBatched } });
    // Capacity under overload (QoS 0 loses what does not fit): the QoS 0 figure judged against mqtt.js.
    out.push({ store, qos: 0, batch: 1, load: { kind: 'flood', messages: s.floodSingle } });
    if (!quick) {
      // QoS 1 held at a set rate: information on how it behaves below its ceiling.
      const qos1Target = store === 'sqlite' ? LOADS.qos1Sqlite : LOADS.qos1Influx;
      out.push({ store, qos: 1, batch: 1, load: { kind: 'rate', readingsPerSecond: qos1Target, seconds: s.rateSeconds } });
      out.push({ store, qos: 1, batch: BATCH, load: { kind: 'rate', readingsPerSecond: LOADS.batched, seconds: s.rateSeconds } });
    }
  }
  return out;
}

const loadText = (c: IngestCase) =>
  c.load.kind === 'flood' ? `flood ${num(c.load.messages * c.batch)}` : `${num(c.load.readingsPerSecond)}/s × ${c.load.seconds} s`;
const caseName = (c: IngestCase) =>
  `Vigil ${c.store === 'sqlite' ? 'SQLite' : 'InfluxDB'} QoS ${c.qos} ${c.batch > 1 ? `batch ${c.batch}` : 'single'}`;

export async function ingestScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const sizes: Sizes = ctx.quick
    ? { floodSingle: 40_000, floodBatched: 4_000, rateSeconds: 4 }
    : { floodSingle: 200_000, floodBatched: 20_000, rateSeconds: 20 };
  return scoped(async (scope) => {
    const influxServer = await scope.open(startInflux(), (s) => s.stop());
    const influx = { url: influxServer.url, pid: influxServer.pid };

    const peers: { name: string; qos: 0 | 1; batch: number; outcome: SubscriberOutcome }[] = [];
    for (const [kind, qos, batch] of [
      ['mqtt.js', 0, 1],
      ['mqtt.js', 1, 1],
      ['mqtt.js', 1, BATCH],
      ['mosquitto_sub', 0, 1],
      ['mosquitto_sub', 1, 1],
    ] as const) {
      ctx.log(`ingest: peer ${kind} QoS ${qos} batch ${batch}`);
      peers.push({
        name: kind,
        qos,
        batch,
        outcome: await runSubscriberPeer(kind, qos, batch, batch > 1 ? sizes.floodBatched : sizes.floodSingle),
      });
    }
    ctx.log('ingest: store peers (raw better-sqlite3, raw InfluxDB /write)');
    const stores = await runStorePeers(ctx.quick, influx);

    const runs: { c: IngestCase; outcome: IngestOutcome }[] = [];
    for (const c of cases(ctx.quick, sizes)) {
      ctx.log(`ingest: ${caseName(c)}, ${loadText(c)}`);
      runs.push({ c, outcome: await runIngestCase(c, { influx }, ctx) });
    }

    const mqttPeer = (qos: 0 | 1, batch: number) =>
      peers.find((p) => p.name === 'mqtt.js' && p.qos === qos && p.batch === batch)?.outcome.rate;
    const storeCeiling = (c: IngestCase) =>
      c.store === 'influx' ? stores.influx?.rate : c.batch > 1 ? stores.sqliteBatched.rate : stores.sqlitePerReading.rate;
    const rows: string[][] = runs.map(({ c, outcome: o }) => [
      caseName(c),
      loadText(c),
      num(o.rate),
      o.durableRate !== undefined ? num(o.durableRate) : '',
      num(o.published),
      num(o.stored),
      num(o.lost),
      ms(o.tailMs),
      // Capacity against capacity: a run held at a set rate says nothing about the ceiling.
      c.load.kind === 'flood' ? times(ratio(o.rate, mqttPeer(c.qos, c.batch) ?? Number.NaN)) : '',
      c.load.kind === 'flood' ? times(ratio(o.rate, storeCeiling(c) ?? Number.NaN)) : '',
      cpuLine(o.cpu),
    ]);
    for (const p of peers) {
      rows.push([
        `peer ${p.name} QoS ${p.qos} ${p.batch > 1 ? `batch ${p.batch}` : 'single'}`,
        `flood ${num(p.outcome.published)}`,
        num(p.outcome.rate),
        '',
        num(p.outcome.published),
        num(p.outcome.received),
        num(p.outcome.published - p.outcome.received),
        '',
        '',
        '',
        cpuLine(p.outcome.cpu),
      ]);
    }
    for (const [name, r] of [
      ['peer better-sqlite3, 1 reading/transaction', stores.sqlitePerReading],
      ['peer better-sqlite3, 1,000 readings/transaction', stores.sqliteBatched],
      ['peer InfluxDB /write, 5,000 lines/request', stores.influx],
    ] as const) {
      if (r)
        rows.push([
          name,
          `${num(r.readings)} readings`,
          num(r.rate),
          '',
          num(r.readings),
          num(r.readings),
          '0',
          '',
          '',
          '',
          cpuLine(r.cpu),
        ]);
    }
    const table: Table = {
      title: 'Ingest throughput (readings/s; one metric per reading)',
      headers: [
        'path',
        'load',
        'readings/s',
        'durable/s',
        'published',
        'stored',
        'lost',
        'tail',
        'vs mqtt.js',
        'vs store peer',
        'CPU (% of one core)',
      ],
      rows,
      notes: [
        'flood: readings/s from 10% of the final count to the last reading stored (Mosquitto queues what ingest has not taken yet); at a set rate: published over the publishing time if the store kept up (tail under 5% of the run), else stored over the time it took.',
        'durable/s: InfluxDB only, readings/s committed to the spool, which is what QoS 1 is acknowledged after; readings/s is what reached InfluxDB.',
        "tail: from the simulator's last publish to the last reading stored. vs mqtt.js: against the bare subscriber at the same QoS and payload.",
        `store peers: raw better-sqlite3 with one reading per transaction (ingest's commit pattern for single readings) or 1,000, and raw /write of 5,000 lines.`,
      ],
    };

    // Only floods measure capacity; a run held at a set rate says nothing about the ceiling.
    const targets: TargetCheck[] = runs
      .filter(({ c }) => c.load.kind === 'flood')
      .map(({ c, outcome: o }) => {
        const batched = c.batch > 1;
        const peer = batched
          ? { rate: storeCeiling(c), name: c.store === 'sqlite' ? 'raw better-sqlite3 (1,000/transaction)' : 'raw /write (5,000 lines)' }
          : { rate: mqttPeer(c.qos, 1), name: `bare mqtt.js QoS ${c.qos}` };
        return ratioTarget({
          scenario: 'ingest',
          what: `${caseName(c)} (${loadText(c)})`,
          value: o.rate,
          peer: peer.rate,
          peerName: peer.name,
          goal: batched ? GOALS.batched : GOALS.single,
          better: 'higher',
          format: (n) => `${num(n)}/s`,
          ...(c.qos === 1 ? { also: { ok: o.lost === 0, text: `lost ${num(o.lost)}` } } : {}),
        });
      });
    const data: JsonValue = {
      sizes: { ...sizes },
      runs: runs.map(({ c, outcome }) => ({
        case: caseName(c),
        store: c.store,
        qos: c.qos,
        batch: c.batch,
        load: { ...c.load },
        ...outcome,
        cpu: outcome.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct, rssMaxBytes: u.rssMaxBytes })),
        timeline: outcome.timeline.map((p) => [...p]),
      })),
      peers: peers.map((p) => ({
        name: p.name,
        qos: p.qos,
        batch: p.batch,
        published: p.outcome.published,
        received: p.outcome.received,
        rate: p.outcome.rate,
        cpu: p.outcome.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct })),
      })),
      storePeers: {
        sqlitePerReading: { ...stores.sqlitePerReading, cpu: stores.sqlitePerReading.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct })) },
        sqliteBatched: { ...stores.sqliteBatched, cpu: stores.sqliteBatched.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct })) },
        influx: stores.influx ? { ...stores.influx, cpu: stores.influx.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct })) } : null,
      },
    };
    return { name: 'ingest', title: 'Ingest throughput', tables: [table], targets, notes: [], data };
  });
}
