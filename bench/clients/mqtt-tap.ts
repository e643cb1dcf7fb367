/**
 * Times what ingest forwards to the API processes (`vigil/events/readings`, batches of entries)
 * from the `ts` of each entry: the ingest share of the publish-to-SSE latency, so the rest is the
 * API's and the clients'. A child process of the benchmark, driven like sse-client.ts:
 *
 *   argv[2]: {"url":"mqtt://127.0.0.1:1883"}
 *   {"cmd":"timeFrom","id":1,"latencyFrom":t} -> {"type":"ack","id":1}
 *   {"cmd":"report","id":2}                   -> {"type":"report","id":2,"histogram":{…}}
 */
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { VIGIL_TOPICS } from '../../bus/topics.ts';
import { Histogram } from '../stats.ts';

const { url } = JSON.parse(process.argv[2] ?? '{}') as { url: string };
let histogram = new Histogram();
let latencyFrom = Number.MAX_SAFE_INTEGER;
const TS = /"ts":(\d+)/g;

const client = await mqtt.connectAsync(url, { clientId: `bench-tap-${process.pid}`, clean: true, reconnectPeriod: 0 });
client.on('message', (_topic, payload) => {
  const now = performance.timeOrigin + performance.now();
  // A regex over the text rather than JSON.parse: the tap must cost less than what it measures.
  for (const m of payload.toString('utf8').matchAll(TS)) {
    const ts = Number(m[1]);
    if (ts >= latencyFrom) histogram.record(now - ts);
  }
});
await client.subscribeAsync(VIGIL_TOPICS.readings, { qos: 1 });
process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { cmd: string; id: number; latencyFrom?: number };
  if (msg.cmd === 'timeFrom') {
    histogram = new Histogram();
    latencyFrom = msg.latencyFrom ?? 0;
    process.stdout.write(`${JSON.stringify({ type: 'ack', id: msg.id })}\n`);
  } else if (msg.cmd === 'report')
    process.stdout.write(`${JSON.stringify({ type: 'report', id: msg.id, histogram: histogram.toSparse() })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
