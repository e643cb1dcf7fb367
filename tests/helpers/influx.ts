import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { findBinary, spawnServer } from './process.ts';

export const INFLUXD_PATH = findBinary('influxd', ['/usr/bin/influxd', '/usr/local/bin/influxd'], process.env['INFLUXD_PATH']);

export interface InfluxServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Temp dir holding the config, meta, data and wal; removed by stop(). */
  readonly dir: string;
  readonly pid: number;
  /** Idempotent; kills only the influxd this call started and removes `dir`. */
  stop(): Promise<void>;
  /**
   * SIGSTOP: the server keeps its sockets but answers nothing, like a hung or partitioned store.
   * Resolves once every thread has actually stopped.
   */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** What influxd printed so far, for assertion messages. */
  output(): string;
}

export interface InfluxOptions {
  /** How long to wait for /ping to answer 204. */
  readonly startTimeoutMs?: number;
}

/** The TOML for a throwaway influxd 1.6 that touches nothing outside `dir` and only loopback ports. */
export function influxConfig(dir: string, httpPort: number, rpcPort: number): string {
  return [
    // Debian's build renamed upstream's `reporting-disabled`; unknown keys are ignored, so set both.
    'reporting-enabled = false',
    'reporting-disabled = true',
    // The backup/restore RPC listener defaults to 8088 on every instance; parallel servers would collide.
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '',
    '[meta]',
    `  dir = "${join(dir, 'meta')}"`,
    '  logging-enabled = false',
    '',
    '[data]',
    `  dir = "${join(dir, 'data')}"`,
    `  wal-dir = "${join(dir, 'wal')}"`,
    '  query-log-enabled = false',
    '',
    '[monitor]',
    // The _internal database would add background writes to every test server.
    '  store-enabled = false',
    '',
    '[http]',
    '  enabled = true',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  auth-enabled = false',
    '  log-enabled = false',
    '  pprof-enabled = false',
    '  unix-socket-enabled = false',
    '',
    '[logging]',
    '  level = "warn"',
    '  suppress-logo = true',
    '',
    '[continuous_queries]',
    '  log-enabled = false',
    '',
    '[[graphite]]',
    '  enabled = false',
    '[[collectd]]',
    '  enabled = false',
    '[[opentsdb]]',
    '  enabled = false',
    '[[udp]]',
    '  enabled = false',
    '',
  ].join('\n');
}

/** influxd reads INFLUXDB_* variables over the config file; a developer's shell must not redirect ours. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('INFLUXDB_')) env[key] = value;
  }
  return env;
}

/** A real InfluxDB 1.x (Debian's influxd) on free loopback ports, data in a temp dir. */
export async function startInflux(options: InfluxOptions = {}): Promise<InfluxServer> {
  // A free port can be taken by a parallel worker before influxd binds it; that is worth a retry,
  // anything else is not.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(options: InfluxOptions): Promise<InfluxServer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-influx-'));
  const port = await freePort();
  let rpcPort = await freePort();
  // freePort asks the OS twice; the two answers can coincide once the first socket is closed.
  while (rpcPort === port) rpcPort = await freePort();
  const conf = join(dir, 'influxdb.conf');
  await writeFile(conf, influxConfig(dir, port, rpcPort));

  const server = spawnServer(INFLUXD_PATH, ['run', '-config', conf], { env: cleanEnv() });
  const url = `http://127.0.0.1:${port}`;
  let paused = false;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // A stopped process leaves SIGTERM pending; wake it so it can shut down cleanly.
      if (paused && server.child.exitCode === null && server.child.signalCode === null) resumeProcess();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    })());
  const signal = (name: 'SIGSTOP' | 'SIGCONT') => {
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(`influxd (pid ${server.child.pid}) is not running`);
    server.child.kill(name);
  };
  const resumeProcess = () => {
    signal('SIGCONT');
    paused = false;
  };

  try {
    await waitForPing(url, options.startTimeoutMs ?? 20_000, () => server.child.exitCode !== null || server.child.signalCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`influxd did not start: ${(err as Error).message}\n${server.output()}`);
  }
  const pid = server.child.pid;
  if (pid === undefined) throw new Error('influxd has no pid');

  return {
    url,
    port,
    dir,
    pid,
    stop,
    pause: async () => {
      signal('SIGSTOP');
      paused = true;
      await allThreadsStopped(pid);
    },
    resume: resumeProcess,
    output: () => server.output(),
  };
}

/** Polls GET /ping until it answers 204; gives up early if the process has died. */
async function waitForPing(url: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (exited()) throw new Error('influxd exited during start-up');
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 204) return;
      last = `GET /ping answered ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url}/ping did not answer 204 within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * kill() returns before a multi-threaded process (influxd is Go) has finished its group stop, and
 * a thread still running can answer a request or two; on Linux, wait until /proc shows every
 * thread stopped. Elsewhere a short pause is the best available.
 */
async function allThreadsStopped(pid: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${pid}/task`);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return;
    }
    const states = await Promise.all(
      tasks.map((tid) =>
        readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').then(
          // The state follows the parenthesised command name, which may itself contain ") ".
          (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3),
          () => 'T',
        ),
      ),
    );
    if (states.every((state) => state === 'T' || state === 't')) return;
    if (Date.now() > deadline)
      throw new Error(`influxd (pid ${pid}) did not stop within ${timeoutMs} ms (thread states ${states.join('')})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
