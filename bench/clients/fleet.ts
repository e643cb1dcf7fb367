/**
 * SSE clients spread over one or more client processes (sse-client.ts), driven as one: connect
 * them all, reset the counters when the measured phase begins, and merge what they report.
 */
import type { Scope } from '../harness/scope.ts';
import { spawnTs, type Child } from '../harness/spawn.ts';
import { Histogram, type SparseHistogram } from '../stats.ts';
import type { ClientReport, Target } from './sse-client.ts';

export interface FleetReport {
  readonly connections: number;
  readonly open: number;
  readonly dropped: number;
  readonly failed: number;
  readonly events: number;
  readonly perClientMin: number;
  readonly perClientMax: number;
  readonly histogram: Histogram;
  readonly rssBytes: number;
}

export interface Fleet {
  readonly pids: readonly number[];
  connect(): Promise<{ ok: number; failed: number; ms: number }>;
  /** Counts start again; events published before `latencyFrom` (epoch ms) are not timed. */
  reset(latencyFrom: number): Promise<void>;
  /** Only the latency histogram starts again, timing events published from `latencyFrom` on. */
  timeFrom(latencyFrom: number): Promise<void>;
  report(): Promise<FleetReport>;
  /** Closes every connection and ends the client processes. */
  close(): Promise<void>;
}

let nextId = 0;

/** Sends one command and resolves with the reply carrying its id. */
function ask<T>(child: Child, message: Record<string, unknown>, timeoutMs: number): Promise<T> {
  const id = ++nextId;
  const reply = child.waitFor(new RegExp(`"id":${id}[,}]`), timeoutMs).then((line) => JSON.parse(line) as T);
  child.send({ ...message, id });
  return reply;
}

export async function startFleet(scope: Scope, targets: readonly Target[], processes: number): Promise<Fleet> {
  const children: { child: Child; targets: Target[] }[] = [];
  for (let p = 0; p < processes; p++) {
    const child = spawnTs(`sse-clients-${p}`, 'bench/clients/sse-client.ts', [], { nofile: 65_536 });
    scope.defer(() => child.stop());
    children.push({ child, targets: [] });
  }
  for (const [i, t] of targets.entries()) children[i % processes]!.targets.push(t);
  return {
    pids: children.map((c) => c.child.pid),
    async connect() {
      const started = performance.now();
      const replies = await Promise.all(
        children.map((c) => ask<{ ok: number; failed: number }>(c.child, { cmd: 'connect', targets: c.targets }, 180_000)),
      );
      return {
        ok: replies.reduce((s, r) => s + r.ok, 0),
        failed: replies.reduce((s, r) => s + r.failed, 0),
        ms: performance.now() - started,
      };
    },
    async reset(latencyFrom) {
      await Promise.all(children.map((c) => ask(c.child, { cmd: 'reset', latencyFrom }, 10_000)));
    },
    async timeFrom(latencyFrom) {
      await Promise.all(children.map((c) => ask(c.child, { cmd: 'timeFrom', latencyFrom }, 10_000)));
    },
    async report() {
      const reports = await Promise.all(children.map((c) => ask<ClientReport>(c.child, { cmd: 'report' }, 30_000)));
      const histogram = new Histogram();
      for (const r of reports) histogram.merge(r.histogram);
      return {
        connections: targets.length,
        open: reports.reduce((s, r) => s + r.open, 0),
        dropped: reports.reduce((s, r) => s + r.dropped, 0),
        failed: reports.reduce((s, r) => s + r.failed, 0),
        events: reports.reduce((s, r) => s + r.events, 0),
        perClientMin: Math.min(...reports.map((r) => r.perClientMin)),
        perClientMax: Math.max(...reports.map((r) => r.perClientMax)),
        histogram,
        rssBytes: reports.reduce((s, r) => s + r.rssBytes, 0),
      };
    },
    async close() {
      for (const c of children) c.child.send({ cmd: 'exit' });
      await Promise.all(
        children.map((c) => Promise.race([c.child.exited, new Promise((r) => setTimeout(r, 5_000))]).then(() => c.child.stop())),
      );
    },
  };
}

/** mqtt-tap.ts: times what ingest forwards, the ingest share of the end-to-end latency. */
export interface Tap {
  readonly pid: number;
  timeFrom(latencyFrom: number): Promise<void>;
  report(): Promise<Histogram>;
}

export async function startTap(scope: Scope, brokerUrl: string): Promise<Tap> {
  const child = spawnTs('mqtt-tap', 'bench/clients/mqtt-tap.ts', [JSON.stringify({ url: brokerUrl })]);
  scope.defer(() => child.stop());
  await child.waitFor(/"type":"ready"/, 30_000);
  return {
    pid: child.pid,
    timeFrom: async (latencyFrom) => void (await ask(child, { cmd: 'timeFrom', latencyFrom }, 10_000)),
    async report() {
      const reply = await ask<{ histogram: SparseHistogram }>(child, { cmd: 'report' }, 30_000);
      const h = new Histogram();
      h.merge(reply.histogram);
      return h;
    },
  };
}
