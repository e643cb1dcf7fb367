/**
 * Scenario 3, SSE scale: 1,000 and 10,000 concurrent clients, each following one device (the
 * dashboard's device page: `?devices=<id>`), 100 devices publishing once a second, so each client
 * gets 1 event/s. Measured: the API process's RSS growth over its idle baseline, delivery
 * latency, clients dropped. Peer: Nginx + Nchan with a channel per device, same clients.
 */
import { startFleet } from '../clients/fleet.ts';
import type { Target } from '../clients/sse-client.ts';
import { cpuLine } from '../harness/cpu.ts';
import { readPss, readStat, tree } from '../harness/proc.ts';
import { scoped, sleep } from '../harness/scope.ts';
import { startStack } from '../harness/vigil.ts';
import { ensureNchan, startNchanStack } from '../peers/nchan.ts';
import { ratio } from '../stats.ts';
import { mb, ms, num, times, type Table } from '../table.ts';
import { ratioTarget } from '../targets.ts';
import { streamPhase, type PhaseOutcome } from './stream-phase.ts';
import type { JsonValue, ScenarioContext, ScenarioResult, TargetCheck } from './types.ts';

const DEVICES = 100;
const CLIENT_PROCESSES = 2;
/** Goals against Nginx + Nchan serving the same clients in the same run (issue 18). */
const GOALS = { p99: 3, connect: 1.5, growth: 1.5 };
const NOFILE = 65_536;

interface Row {
  readonly path: 'Vigil' | 'Nchan';
  readonly clients: number;
  readonly connectMs: number;
  readonly connected: number;
  readonly baselineBytes: number;
  readonly peakBytes: number;
  /** Dropped as the server counts them (Vigil's /metrics); undefined for the peer. */
  readonly serverDropped: number | undefined;
  readonly outcome: PhaseOutcome;
}

const deviceId = (i: number) => `scale-${String((i % DEVICES) + 1).padStart(3, '0')}`;

/** Memory of the server's processes as PSS (RSS where the kernel has no smaps_rollup), so nginx's shared memory counts once. */
function rssOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readPss(pid) ?? readStat(pid)?.rssBytes ?? 0), 0);
}

async function droppedByVigil(apiUrl: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${apiUrl}/metrics`)).text();
    const m = /^vigil_sse_clients_dropped_total (\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function measure(path: Row['path'], clients: number, quick: boolean, ctx: ScenarioContext): Promise<Row> {
  return scoped(async (scope) => {
    const seconds = quick ? 8 : 30;
    let targets: Target[];
    let roles;
    let broker;
    let serverPids: number[];
    let apiUrl: string | undefined;
    if (path === 'Vigil') {
      const stack = await startStack(scope, 'scale', NOFILE);
      broker = stack.broker;
      apiUrl = stack.api.url;
      const port = Number(new URL(stack.api.url).port);
      targets = Array.from({ length: clients }, (_, i) => ({ port, path: `/api/stream?devices=${deviceId(i)}&events=reading` }));
      roles = [
        { name: 'broker', pid: broker.pid },
        { name: 'ingest', pid: stack.ingest.pid },
        { name: 'api', pid: stack.api.child.pid },
      ];
      serverPids = [stack.api.child.pid];
    } else {
      const stack = await startNchanStack(scope, 'per-device', 0);
      broker = stack.broker;
      targets = Array.from({ length: clients }, (_, i) => ({ port: stack.nchan.port, path: `/sub/${deviceId(i)}` }));
      roles = [
        { name: 'broker', pid: broker.pid },
        { name: 'bridge', pid: stack.bridge.pid },
        { name: 'nginx', pid: stack.nchan.pid, tree: true },
      ];
      // The workers are the master's children; they exist once the port answers.
      serverPids = tree(stack.nchan.pid).map((s) => s.pid);
    }
    // Settle, then the idle baseline: the server before any client.
    await sleep(1_000);
    const baselineBytes = rssOf(serverPids);
    const fleet = await startFleet(scope, targets, CLIENT_PROCESSES);
    ctx.log(`sse-scale: ${path}, connecting ${num(clients)} clients`);
    const connected = await fleet.connect();
    ctx.log(
      `sse-scale: ${path}, ${num(connected.ok)} connected in ${Math.round(connected.ms)} ms (${connected.failed} failed); ${seconds} s at 1 Hz per device`,
    );
    let peakBytes = rssOf(serverPids);
    const outcome = await streamPhase(scope, {
      broker,
      fleet,
      roles,
      devices: DEVICES,
      qos: 0,
      interval: '1s',
      seconds,
      idPrefix: 'scale-',
      warmupMs: 1_000,
      perClientExpected: (published) => Math.floor(published / DEVICES),
      during: () => void (peakBytes = Math.max(peakBytes, rssOf(serverPids))),
    });
    peakBytes = Math.max(peakBytes, rssOf(serverPids));
    return {
      path,
      clients,
      connectMs: connected.ms,
      connected: connected.ok,
      baselineBytes,
      peakBytes,
      serverDropped: apiUrl ? await droppedByVigil(apiUrl) : undefined,
      outcome,
    };
  });
}

export async function sseScaleScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const notes: string[] = [];
  const rows: Row[] = [];
  for (const clients of [1_000, 10_000]) rows.push(await measure('Vigil', clients, ctx.quick, ctx));
  const skip = ensureNchan(ctx.log);
  if (skip) notes.push(`Nchan peer skipped: ${skip}`);
  else for (const clients of ctx.quick ? [10_000] : [1_000, 10_000]) rows.push(await measure('Nchan', clients, ctx.quick, ctx));

  const growth = (r: Row) => r.peakBytes - r.baselineBytes;
  const peer = (clients: number) => rows.find((r) => r.path === 'Nchan' && r.clients === clients);
  const table: Table = {
    title: `SSE scale (each client follows one of ${DEVICES} devices publishing at 1 Hz: 1 event/s per client)`,
    headers: [
      'path',
      'clients',
      'connected',
      'connect time',
      'PSS idle',
      'PSS peak',
      'growth',
      'growth vs Nchan',
      'p50',
      'p99',
      'max',
      'delivered (min client / expected)',
      'dropped',
      'CPU (% of one core)',
    ],
    rows: rows.map((r) => {
      const p = peer(r.clients);
      const o = r.outcome;
      return [
        r.path === 'Vigil' ? 'Vigil API' : 'peer Nginx + Nchan',
        num(r.clients),
        num(r.connected),
        ms(r.connectMs),
        mb(r.baselineBytes),
        mb(r.peakBytes),
        mb(growth(r)),
        r.path === 'Vigil' && p ? times(ratio(growth(r), growth(p))) : '',
        ms(o.latency.p50),
        ms(o.latency.p99),
        ms(o.latency.max),
        `${num(o.perClientMin)} / ${num(Math.floor(o.published / DEVICES))}`,
        `${num(o.dropped)}${r.serverDropped !== undefined ? ` (server: ${num(r.serverDropped)})` : ''}`,
        cpuLine(o.cpu),
      ];
    }),
    notes: [
      'Memory: PSS of the API process (Vigil) or of nginx master + worker (peer; their shared memory counted once), idle before the clients connect and at its peak while they are served.',
      'dropped: connections closed by the server after they opened (clients count them; Vigil also counts the ones it cut for passing the 1 MiB budget).',
      `Clients are raw HTTP connections in ${CLIENT_PROCESSES} processes that parse SSE minimally.`,
    ],
  };
  const big = rows.find((r) => r.path === 'Vigil' && r.clients === 10_000);
  const nchan = peer(10_000);
  const everyone = big
    ? {
        ok: big.connected === 10_000 && big.outcome.dropped === 0,
        text: `${num(big.connected)} connected, ${num(big.outcome.dropped)} dropped`,
      }
    : undefined;
  const against = (what: string, goal: number, of: (r: Row) => number, format: (n: number) => string) =>
    ratioTarget({
      scenario: 'sse-scale',
      what: `10,000 SSE clients: ${what}`,
      value: big ? of(big) : undefined,
      peer: nchan ? of(nchan) : undefined,
      peerName: 'Nginx + Nchan',
      goal,
      better: 'lower',
      format,
      ...(everyone ? { also: everyone } : {}),
    });
  const targets: TargetCheck[] = big
    ? [
        against('delivery p99', GOALS.p99, (r) => r.outcome.latency.p99, ms),
        against('connect time', GOALS.connect, (r) => r.connectMs, ms),
        against('server memory growth', GOALS.growth, growth, mb),
      ]
    : [];
  const data: JsonValue = {
    devices: DEVICES,
    rows: rows.map((r) => ({
      ...r,
      growthBytes: growth(r),
      outcome: {
        ...r.outcome,
        latency: { ...r.outcome.latency },
        forwarded: null,
        cpu: r.outcome.cpu.map((u) => ({ name: u.name, cpuPct: u.cpuPct, rssMaxBytes: u.rssMaxBytes })),
      },
    })),
  };
  return { name: 'sse-scale', title: 'SSE scale', tables: [table], targets, notes, data };
}
