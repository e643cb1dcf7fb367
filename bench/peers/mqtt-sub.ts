/**
 * Peer: a bare mqtt.js subscriber that parses each payload and throws it away, the ceiling of
 * the broker-to-Node-client path that ingest sits on. A child process of the benchmark:
 *
 *   node --import tsx bench/peers/mqtt-sub.ts '{"url":"mqtt://127.0.0.1:1883","topic":"devices/+/telemetry","qos":1}'
 *
 * Prints {"type":"ready"} once subscribed; on {"cmd":"report"} (stdin) prints the counts.
 */
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';

interface Options {
  readonly url: string;
  readonly topic: string;
  readonly qos: 0 | 1;
}

export interface SubReport {
  readonly type: 'report';
  readonly messages: number;
  readonly readings: number;
  /** performance.timeOrigin-based epoch ms of the first and last message. */
  readonly firstAt: number;
  readonly lastAt: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
let messages = 0;
let readings = 0;
let firstAt = 0;
let lastAt = 0;

const client = mqtt.connect(options.url, { clientId: `bench-peer-${process.pid}`, clean: true, reconnectPeriod: 0 });
client.on('message', (_topic, payload) => {
  const now = performance.timeOrigin + performance.now();
  if (messages === 0) firstAt = now;
  lastAt = now;
  messages++;
  // Parse, as ingest must; a batch counts its entries.
  const doc: unknown = JSON.parse(payload.toString('utf8'));
  readings += Array.isArray(doc) ? doc.length : 1;
});
client.on('error', (err) => process.stderr.write(`mqtt-sub: ${err.message}\n`));
client.on('connect', () => {
  client.subscribe(options.topic, { qos: options.qos }, (err) => {
    if (err) {
      process.stderr.write(`mqtt-sub: subscribe failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
  });
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = (JSON.parse(line) as { cmd?: string }).cmd;
  if (cmd === 'report') {
    const report: SubReport = { type: 'report', messages, readings, firstAt, lastAt };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else if (cmd === 'exit') client.end(true, {}, () => process.exit(0));
});
process.on('SIGTERM', () => process.exit(0));
