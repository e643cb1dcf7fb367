import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findBinary, spawnServer } from './process.ts';

export const NATS_PATH = findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server'], process.env['NATS_SERVER_PATH']);

export interface NatsServer {
  /** The MQTT gateway's URL. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real Debian nats-server with JetStream (the MQTT gateway keeps sessions, QoS 1 and retained
 * messages in JetStream streams) and the MQTT listener, both on free loopback ports, its config
 * and store in a temp dir.
 */
export async function startNats(): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-nats-'));
  const [port, clientPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'nats.conf');
  await writeFile(
    conf,
    [
      `listen: 127.0.0.1:${clientPort}`,
      // The MQTT gateway needs a server name (its JetStream streams are named after it).
      'server_name: vigil_test',
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
      `mqtt { listen: 127.0.0.1:${port} }`,
      '',
    ].join('\n'),
  );
  const server = spawnServer(NATS_PATH, ['-c', conf]);
  try {
    await waitForPort(port, 15_000);
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nats-server did not start: ${(err as Error).message}\n${server.output()}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    output: () => server.output(),
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
