/**
 * The MQTT side of the Nchan peer: subscribes to the device topics and publishes every payload,
 * as it came, to Nchan over a WebSocket (one frame per reading, no storage), either to one
 * channel `all` or to a channel per device. A child process of the benchmark:
 *
 *   node --import tsx bench/peers/nchan-bridge.ts '{"broker":"mqtt://…","qos":1,"host":"127.0.0.1","port":8081,"mode":"all"}'
 *
 * Prints {"type":"ready"} once subscribed; {"cmd":"report"} prints how many it forwarded.
 */
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { openPublisher, type WsPublisher } from './ws.ts';

interface Options {
  readonly broker: string;
  readonly qos: 0 | 1;
  readonly host: string;
  readonly port: number;
  readonly mode: 'all' | 'per-device';
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const publishers = new Map<string, Promise<WsPublisher>>();
let forwarded = 0;
let failed = 0;

function publisher(channel: string): Promise<WsPublisher> {
  let found = publishers.get(channel);
  if (!found) {
    found = openPublisher(options.host, options.port, `/pub/${channel}`);
    publishers.set(channel, found);
  }
  return found;
}

async function main(): Promise<void> {
  if (options.mode === 'all') await publisher('all');
  const client = await mqtt.connectAsync(options.broker, {
    clientId: `bench-nchan-bridge-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
  });
  client.on('message', (topic, payload) => {
    const channel = options.mode === 'all' ? 'all' : (topic.split('/')[1] ?? 'unknown');
    const text = payload.toString('utf8');
    // Frames keep their order per channel: each waits on the same opening promise.
    publisher(channel).then(
      (ws) => {
        ws.send(text);
        forwarded++;
      },
      () => failed++,
    );
  });
  await client.subscribeAsync('devices/+/telemetry', { qos: options.qos });
  process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = (JSON.parse(line) as { cmd?: string; id?: number }).cmd;
  if (cmd === 'report') process.stdout.write(`${JSON.stringify({ type: 'bridge-report', forwarded, failed })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
main().catch((err: unknown) => {
  process.stderr.write(`nchan-bridge: ${(err as Error).message}\n`);
  process.exit(1);
});
