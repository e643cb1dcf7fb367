/**
 * Scenario 2, latency from MQTT publish to SSE event received, with 100 SSE clients each taking
 * the whole stream, at 1,000 and 10,000 readings/s. Vigil's path: simulator -> Mosquitto ->
 * ingest (durable write, then forwarded in batches) -> Mosquitto -> API -> SSE. The peer's path:
 * simulator -> Mosquitto -> a bare bridge -> Nginx/Nchan -> EventSource, with no store.
 * The publish time is the `ts` the simulator puts in each reading; the clients time every event.
 */
import { startFleet, startTap, type Tap } from '../clients/fleet.ts';
import { cpuLine } from '../harness/cpu.ts';
import { scoped } from '../harness/scope.ts';
import { startStack } from '../harness/vigil.ts';
import { ensureNchan, startNchanStack } from '../peers/nchan.ts';
import { ratio } from '../stats.ts';
import { ms, num, times, type Table } from '../table.ts';
import { ratioTarget } from '../targets.ts';
import { highestUnqueued, STEP_RATES, stepVerdict, type StepVerdict } from './latency-steps.ts';
import { streamPhase, type PhaseOutcome } from './stream-phase.ts';
import type { JsonValue, ScenarioContext, ScenarioResult, TargetCheck } from './types.ts';

const CLIENTS = 100;
const CLIENT_PROCESSES = 2;
const DEVICES = 100;
const RATES = [1_000, 10_000] as const;
/** A latency budget (issue 18), the same on any machine fast enough to ingest 1,000/s at all. */
const BUDGET = { rate: 1_000, p99: 25, p50: 5 };
/** And against Nginx + Nchan carrying the same readings in the same run. */
const GOAL_VS_NCHAN = 3;

interface Row {
  readonly path: 'Vigil' | 'Nchan';
  readonly rate: number;
  /** 'all': every client takes the whole stream; 'device': each follows one device (a 100th of it). */
  readonly clients: 'all' | 'device';
  readonly outcome: PhaseOutcome;
}

interface Step {
  readonly rate: number;
  readonly outcome: PhaseOutcome;
  readonly verdict: StepVerdict;
}

interface Measured {
  readonly rows: Row[];
  /** Vigil only: the rate step-up, up to and including the first step that queued. */
  readonly steps: Step[];
}

async function measure(path: Row['path'], quick: boolean, ctx: ScenarioContext): Promise<Measured> {
  return scoped(async (scope) => {
    const seconds = quick ? 6 : 20;
    let port: number;
    let broker;
    let roles;
    let streamPath: string;
    let tap: Tap | undefined;
    if (path === 'Vigil') {
      const stack = await startStack(scope, 'latency');
      broker = stack.broker;
      port = Number(new URL(stack.api.url).port);
      streamPath = '/api/stream?events=reading';
      roles = [
        { name: 'broker', pid: broker.pid },
        { name: 'ingest', pid: stack.ingest.pid },
        { name: 'api', pid: stack.api.child.pid },
      ];
      tap = await startTap(scope, broker.url);
    } else {
      const stack = await startNchanStack(scope, 'all', 1);
      broker = stack.broker;
      port = stack.nchan.port;
      streamPath = '/sub/all';
      roles = [
        { name: 'broker', pid: broker.pid },
        { name: 'bridge', pid: stack.bridge.pid },
        { name: 'nginx', pid: stack.nchan.pid, tree: true },
      ];
    }
    const fleet = await startFleet(
      scope,
      Array.from({ length: CLIENTS }, () => ({ port, path: streamPath })),
      CLIENT_PROCESSES,
    );
    const connected = await fleet.connect();
    if (connected.ok !== CLIENTS) throw new Error(`${path}: only ${connected.ok} of ${CLIENTS} SSE clients connected`);
    const rows: Row[] = [];
    for (const rate of RATES) {
      ctx.log(`latency: ${path}, ${num(rate)} readings/s for ${seconds} s, ${CLIENTS} clients`);
      const outcome = await streamPhase(scope, {
        broker,
        fleet,
        ...(tap ? { tap } : {}),
        roles,
        devices: DEVICES,
        qos: 1,
        rate,
        seconds,
        idPrefix: `lat${rate}-`,
        warmupMs: 1_000,
      });
      rows.push({ path, rate, clients: 'all', outcome });
    }
    const steps: Step[] = [];
    if (path === 'Vigil') {
      // Up the rate with the same clients until something queues: the highest rate the pipeline
      // (and this machine) carries at its unqueued latency.
      for (const rate of STEP_RATES) {
        ctx.log(`latency: ${path} step-up, ${num(rate)} readings/s for ${quick ? 4 : 10} s`);
        const outcome = await streamPhase(scope, {
          broker,
          fleet,
          ...(tap ? { tap } : {}),
          roles,
          devices: DEVICES,
          qos: 1,
          rate,
          seconds: quick ? 4 : 10,
          idPrefix: `lstep${rate}-`,
          warmupMs: 1_000,
        });
        const verdict = stepVerdict(
          { ...outcome, rate, expected: outcome.published },
          steps[0]?.outcome.latency.p99 ?? outcome.latency.p99,
        );
        steps.push({ rate, outcome, verdict });
        if (verdict.queued) break;
      }
    }
    if (path === 'Vigil') {
      // The same pipeline without the fan-out of a million events a second: what the fan-out costs.
      await fleet.close();
      const device = (i: number) => `latd-${String((i % DEVICES) + 1).padStart(3, '0')}`;
      const filtered = await startFleet(
        scope,
        Array.from({ length: CLIENTS }, (_, i) => ({ port, path: `${streamPath}&devices=${device(i)}` })),
        1,
      );
      await filtered.connect();
      ctx.log(`latency: ${path}, 10,000 readings/s for ${seconds} s, ${CLIENTS} clients following one device each`);
      const outcome = await streamPhase(scope, {
        broker,
        fleet: filtered,
        ...(tap ? { tap } : {}),
        roles,
        devices: DEVICES,
        qos: 1,
        rate: 10_000,
        seconds,
        idPrefix: 'latd-',
        warmupMs: 1_000,
        perClientExpected: (published) => Math.floor(published / DEVICES),
      });
      rows.push({ path, rate: 10_000, clients: 'device', outcome });
    }
    return { rows, steps };
  });
}

function stepTable(steps: readonly Step[], highest: number | undefined): Table {
  return {
    title: `Latency step-up: Vigil, ${CLIENTS} SSE clients each taking every reading, rising rates until something queues`,
    headers: [
      'readings/s',
      'offered/s',
      'p50',
      'p99',
      'p99.9',
      'ingest share p50/p99',
      'delivered (min client / expected)',
      'dropped',
      'queued',
      'CPU (% of one core)',
    ],
    rows: steps.map(({ rate, outcome: o, verdict }) => [
      num(rate),
      num(o.offered),
      ms(o.latency.p50),
      ms(o.latency.p99),
      ms(o.latency.p999),
      o.forwarded ? `${ms(o.forwarded.p50)} / ${ms(o.forwarded.p99)}` : '',
      `${num(o.perClientMin)} / ${num(o.published)}`,
      num(o.dropped),
      verdict.queued ? `yes: ${verdict.why}` : 'no',
      cpuLine(o.cpu),
    ]),
    notes: [
      `highest rate without queueing: ${highest === undefined ? 'none (the first step queued)' : `${num(highest)} readings/s`} on this machine, at this load (see others in the CPU column).`,
      "Queued: the simulator could not offer the rate, a client fell behind or was dropped, ingest's share p99 passed 100 ms, or the p99 passed 100 ms and 4x the first step's.",
    ],
  };
}

export async function latencyScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const notes: string[] = [];
  const { rows, steps } = await measure('Vigil', ctx.quick, ctx);
  const highest = highestUnqueued(steps);
  const skip = ensureNchan(ctx.log);
  if (skip) notes.push(`Nchan peer skipped: ${skip}`);
  else rows.push(...(await measure('Nchan', ctx.quick, ctx)).rows);

  const peerP99 = (rate: number) => rows.find((r) => r.path === 'Nchan' && r.rate === rate && r.clients === 'all')?.outcome.latency.p99;
  const table: Table = {
    title: `Latency, MQTT publish -> SSE event received (${CLIENTS} SSE clients, ${DEVICES} devices, QoS 1)`,
    headers: [
      'path',
      'readings/s',
      'each client gets',
      'p50',
      'p90',
      'p99',
      'p99.9',
      'max',
      'ingest share p50/p99',
      'p99 vs Nchan',
      'events timed',
      'delivered (min client / expected)',
      'dropped',
      'CPU (% of one core)',
    ],
    rows: rows.map(({ path, rate, clients, outcome: o }) => [
      path === 'Vigil' ? 'Vigil (ingest + API)' : 'peer Nginx + Nchan',
      num(rate),
      clients === 'all' ? 'every reading' : `one device (${num(rate / DEVICES)}/s)`,
      ms(o.latency.p50),
      ms(o.latency.p90),
      ms(o.latency.p99),
      ms(o.latency.p999),
      ms(o.latency.max),
      o.forwarded ? `${ms(o.forwarded.p50)} / ${ms(o.forwarded.p99)}` : '',
      path === 'Vigil' && clients === 'all' ? times(ratio(o.latency.p99, peerP99(rate) ?? Number.NaN)) : '',
      num(o.latency.count),
      `${num(o.perClientMin)} / ${num(clients === 'all' ? o.published : Math.floor(o.published / DEVICES))}`,
      num(o.dropped),
      cpuLine(o.cpu),
    ]),
    notes: [
      'Latency = receive time at the client minus the ts the simulator stamped at publish (same clock; ts is whole ms, so figures carry up to +1 ms).',
      'The first second of each phase is a warm-up: counted for delivery, not timed.',
      "ingest share: publish to the batch ingest forwards on vigil/events/readings, timed by an MQTT tap; the rest of the latency is the API's fan-out and the clients.",
      `Vigil's path stores every reading before forwarding it (ingest batches forwards every 20 ms or 500 readings); the Nchan peer's bridge stores nothing.`,
    ],
  };
  const vigil = rows.find((r) => r.path === 'Vigil' && r.rate === BUDGET.rate && r.clients === 'all');
  const top = steps.find((s) => s.rate === highest);
  const targets: TargetCheck[] = vigil
    ? [
        {
          scenario: 'latency',
          what: `Vigil at ${num(BUDGET.rate)} readings/s, ${CLIENTS} clients (budget)`,
          target: `p99 <= ${BUDGET.p99} ms, p50 <= ${BUDGET.p50} ms`,
          measured: `p99 ${ms(vigil.outcome.latency.p99)}, p50 ${ms(vigil.outcome.latency.p50)} (p99.9 ${ms(vigil.outcome.latency.p999)})`,
          met: vigil.outcome.latency.p99 <= BUDGET.p99 && vigil.outcome.latency.p50 <= BUDGET.p50,
        },
        ratioTarget({
          scenario: 'latency',
          what: `Vigil p99 at ${num(BUDGET.rate)} readings/s, ${CLIENTS} clients`,
          value: vigil.outcome.latency.p99,
          peer: peerP99(BUDGET.rate),
          peerName: 'Nginx + Nchan p99',
          goal: GOAL_VS_NCHAN,
          better: 'lower',
          format: ms,
        }),
        {
          scenario: 'latency',
          what: `Vigil at the highest rate without queueing (${highest === undefined ? 'none' : `${num(highest)} readings/s`}), ${CLIENTS} clients (budget)`,
          target: `p99 <= ${BUDGET.p99} ms, p50 <= ${BUDGET.p50} ms`,
          measured: top ? `p99 ${ms(top.outcome.latency.p99)}, p50 ${ms(top.outcome.latency.p50)}` : 'no step without queueing',
          met: top ? top.outcome.latency.p99 <= BUDGET.p99 && top.outcome.latency.p50 <= BUDGET.p50 : false,
        },
      ]
    : [];
  const data: JsonValue = {
    clients: CLIENTS,
    devices: DEVICES,
    highestUnqueued: highest,
    steps: steps.map((s) => ({
      rate: s.rate,
      offered: s.outcome.offered,
      latency: { ...s.outcome.latency },
      forwarded: s.outcome.forwarded ? { ...s.outcome.forwarded } : null,
      perClientMin: s.outcome.perClientMin,
      published: s.outcome.published,
      dropped: s.outcome.dropped,
      queued: s.verdict.queued ? s.verdict.why : false,
    })),
    rows: rows.map((r) => ({
      path: r.path,
      rate: r.rate,
      clients: r.clients,
      ...r.outcome,
      latency: { ...r.outcome.latency },
      forwarded: r.outcome.forwarded ? { ...r.outcome.forwarded } : null,
      cpu: r.outcome.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct, rssMaxBytes: u.rssMaxBytes })),
    })),
  };
  return { name: 'latency', title: 'Latency, publish to SSE', tables: [table, stepTable(steps, highest)], targets, notes, data };
}
