/**
 * A process holding many raw HTTP SSE connections, measuring publish-to-receive latency from the
 * `ts` in each event and counting events per connection. Driven over stdin/stdout JSON lines by
 * the benchmark (fleet.ts):
 *
 *   {"cmd":"connect","id":1,"targets":[{"port":8080,"path":"/api/stream?events=reading"}, …]}
 *                                         -> {"type":"connected","id":1,"ok":…,"failed":…}
 *   {"cmd":"reset","id":2,"latencyFrom":t} -> counts and histogram start again; events published
 *                                           before t (warm-up) are counted but not timed
 *   {"cmd":"timeFrom","id":3,"latencyFrom":t} -> only the histogram starts again, from t
 *   {"cmd":"report","id":3}               -> {"type":"report","id":3,…}
 */
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { Histogram, type SparseHistogram } from '../stats.ts';
import { SseScanner } from './sse-parse.ts';

export interface Target {
  readonly port: number;
  readonly path: string;
}

export interface ClientReport {
  readonly type: 'report';
  readonly id: number;
  readonly open: number;
  /** Connections the server closed (or broke) after they were established. */
  readonly dropped: number;
  readonly failed: number;
  readonly events: number;
  readonly perClientMin: number;
  readonly perClientMax: number;
  readonly histogram: SparseHistogram;
  readonly cpuMs: number;
  readonly rssBytes: number;
}

const CONNECT_CONCURRENCY = 100;
const CONNECT_TIMEOUT_MS = 30_000;

// On stdin, not argv: 5,000 paths would pass Linux's 128 KB limit for one argument.
let targets: readonly Target[] = [];
let counts = new Uint32Array(0);
let open = new Uint8Array(0);
let histogram = new Histogram();
let latencyFrom = 0;
let dropped = 0;
let failed = 0;
let shuttingDown = false;
const responses: IncomingMessage[] = [];

function connectOne(index: number): Promise<void> {
  const target = targets[index]!;
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port: target.port,
      path: target.path,
      agent: false,
      headers: { Accept: 'text/event-stream' },
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), CONNECT_TIMEOUT_MS);
    req.once('error', () => {
      clearTimeout(timer);
      if (!open[index]) {
        failed++;
        resolve();
      }
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        failed++;
        res.destroy();
        resolve();
        return;
      }
      open[index] = 1;
      responses.push(res);
      res.socket.setNoDelay(true);
      const scanner = new SseScanner();
      let receivedAt = 0;
      const onEvent = (ts: number) => {
        counts[index]!++;
        if (ts >= latencyFrom) histogram.record(receivedAt - ts);
      };
      res.on('data', (chunk: Buffer) => {
        // One clock read per chunk: every event in it arrived at the same moment.
        receivedAt = performance.timeOrigin + performance.now();
        scanner.feed(chunk, onEvent);
      });
      res.once('close', () => {
        if (open[index] && !shuttingDown) dropped++;
        open[index] = 0;
      });
      resolve();
    });
    req.end();
  });
}

async function connectAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < targets.length) await connectOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, targets.length) }, worker));
}

function report(id: number): ClientReport {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let events = 0;
  let openNow = 0;
  for (let i = 0; i < counts.length; i++) {
    events += counts[i]!;
    if (counts[i]! < min) min = counts[i]!;
    if (counts[i]! > max) max = counts[i]!;
    openNow += open[i]!;
  }
  const cpu = process.cpuUsage();
  return {
    type: 'report',
    id,
    open: openNow,
    dropped,
    failed,
    events,
    perClientMin: counts.length ? min : 0,
    perClientMax: max,
    histogram: histogram.toSparse(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
  };
}

const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { cmd: string; id: number; latencyFrom?: number; targets?: Target[] };
  if (msg.cmd === 'connect') {
    targets = msg.targets ?? [];
    counts = new Uint32Array(targets.length);
    open = new Uint8Array(targets.length);
    const started = performance.now();
    void connectAll().then(() =>
      reply({ type: 'connected', id: msg.id, ok: open.reduce((a, b) => a + b, 0), failed, ms: performance.now() - started }),
    );
  } else if (msg.cmd === 'reset') {
    counts.fill(0);
    histogram = new Histogram();
    latencyFrom = msg.latencyFrom ?? 0;
    reply({ type: 'ack', id: msg.id });
  } else if (msg.cmd === 'timeFrom') {
    histogram = new Histogram();
    latencyFrom = msg.latencyFrom ?? 0;
    reply({ type: 'ack', id: msg.id });
  } else if (msg.cmd === 'report') reply(report(msg.id));
  else if (msg.cmd === 'exit') {
    shuttingDown = true;
    for (const res of responses) res.destroy();
    process.exit(0);
  }
});
process.on('SIGTERM', () => {
  shuttingDown = true;
  process.exit(0);
});
