import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';
import { findBinary, spawnServer, type Spawned } from './process.ts';

/**
 * The real server script, not /usr/sbin/rabbitmq-server: Debian's wrapper switches to the
 * rabbitmq user, which cannot write our temp dir.
 */
export const RABBITMQ_PATH = findBinary('rabbitmq-server', ['/usr/lib/rabbitmq/bin/rabbitmq-server'], process.env['RABBITMQ_SERVER_PATH']);
export const EPMD_PATH = findBinary('epmd', ['/usr/bin/epmd', '/usr/lib/erlang/bin/epmd'], process.env['EPMD_PATH']);

export interface RabbitMqServer {
  /** The MQTT plugin's URL (guest/guest is accepted from loopback). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  output(): string;
  stop(): Promise<void>;
}

/** RabbitMQ boots Erlang, Mnesia and a Raft cluster for MQTT client ids: ~10 s here, more on a busy CI. */
const START_TIMEOUT_MS = 90_000;

/**
 * A real Debian RabbitMQ with the rabbitmq_mqtt plugin, as a node of its own: unique node name,
 * every port free on loopback, data, logs, config, enabled plugins and Erlang cookie (HOME) in a
 * temp dir. epmd is started by us too, in the foreground on its own port, so stop() can end
 * both by PID (Erlang would otherwise daemonize a shared epmd that outlives the test).
 */
export async function startRabbitMq(): Promise<RabbitMqServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-rabbitmq-'));
  const [port, amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const home = join(dir, 'home');
  await mkdir(home);
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${port}`,
      'mqtt.allow_anonymous = true',
      '',
    ].join('\n'),
  );
  // What `rabbitmq-plugins --offline enable rabbitmq_mqtt` writes.
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_NODENAME: `vigil-${randomBytes(4).toString('hex')}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  const epmd = spawnServer(EPMD_PATH, ['-port', String(epmdPort), '-address', '127.0.0.1'], { env });
  let server: Spawned | undefined;
  const stopAll = async () => {
    await server?.stop(10_000);
    // The wrapper script forwards SIGTERM to the Erlang VM; should it have been killed instead, the
    // VM is ended by the PID it wrote.
    await killPidFile(join(dir, 'rabbitmq.pid'));
    await epmd.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(epmdPort, 10_000);
    server = spawnServer(RABBITMQ_PATH, [], { env, cwd: dir });
    await waitForPort(port, START_TIMEOUT_MS);
  } catch (err) {
    const out = server?.output() ?? epmd.output();
    await stopAll();
    throw new Error(`rabbitmq-server did not start: ${(err as Error).message}\n${out.slice(-4_000)}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    output: () => server?.output() ?? '',
    stop: () => (stopped ??= stopAll()),
  };
}

async function killPidFile(path: string): Promise<void> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: the usual case.
  }
}
