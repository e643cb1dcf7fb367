import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findBinary, spawnServer } from './process.ts';

export const MOSQUITTO_PATH = findBinary('mosquitto', ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'], process.env['MOSQUITTO_PATH']);

export interface MosquittoServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** Extra lines for mosquitto.conf (listener, persistence and log lines are written for you). */
  readonly extraConfig?: readonly string[];
}

/** A real Debian Mosquitto on a free loopback port, with its config and data in a temp dir. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Run as root, mosquitto would switch to user "mosquitto", which cannot write our 0700 temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'max_queued_messages 100000',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  const server = spawnServer(MOSQUITTO_PATH, ['-c', conf]);
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${server.output()}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    stop: () =>
      (stopped ??= (async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
