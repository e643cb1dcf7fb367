/**
 * Child processes the benchmark starts: each is signalled only by its own PID, talks JSON lines
 * over stdin/stdout when it is one of ours, and is killed if the benchmark itself exits. A
 * process can be started under a raised `ulimit -n` (10,000 SSE sockets need more than 1024).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS } from '../../lib/config.ts';
import { terminate } from '../../tests/helpers/process.ts';
import { BENCH_SETTINGS, inheritedEnv } from '../config.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the Vigil processes (ingest, api, simulator) are started from: this checkout, or another
 * one named by BENCH_VIGIL_ROOT, to measure a candidate change against the same harness and peers.
 */
export const VIGIL_ROOT = BENCH_SETTINGS.vigilRoot ?? ROOT;

export interface SpawnOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Raise the open-file limit to this before exec (best effort: the hard limit may cap it). */
  readonly nofile?: number;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** The last 64 KB the process printed, for error messages. */
  output(): string;
  /** Resolves with the first output line matching `pattern` (including lines already printed). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Every stdout line from now on. */
  onLine(listener: (line: string) => void): void;
  /** One JSON line on stdin. */
  send(message: unknown): void;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** The environment for a child: ours minus every Vigil setting, so a developer's shell cannot leak in. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = inheritedEnv();
  for (const key of CONFIG_KEYS) delete env[key.name];
  delete env['INFLUX_URL'];
  return { ...env, ...extra };
}

export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const [cmd, argv] = options.nofile
    ? ['sh', ['-c', `ulimit -n ${options.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`, 'sh', command, ...args]]
    : [command, [...args]];
  const child = spawn(cmd, argv, { cwd: ROOT, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let out = '';
  const lineListeners: ((line: string) => void)[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const seen: string[] = [];
  const onText = (isStdout: boolean) => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out += text;
      if (out.length > 64_000) out = out.slice(-32_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (seen.length < 2_000) seen.push(line);
        if (isStdout) for (const listener of lineListeners) listener(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.pattern.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
        }
      }
    };
  };
  child.stdout?.on('data', onText(true));
  child.stderr?.on('data', onText(false));
  // A child that stops reading stdin must not crash the benchmark with EPIPE.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      out += `\nspawn error: ${err.message}`;
      resolve(null);
    });
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    process: child,
    output: () => out,
    waitFor(pattern, timeoutMs) {
      const already = seen.find((line) => pattern.test(line));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${out.slice(-3_000)}`));
        }, timeoutMs);
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then((code) => {
          if (!waiters.includes(waiter)) return;
          waiters.splice(waiters.indexOf(waiter), 1);
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}) before printing ${pattern}:\n${out.slice(-3_000)}`));
        });
      });
    },
    onLine: (listener) => void lineListeners.push(listener),
    send: (message) => void child.stdin?.write(`${JSON.stringify(message)}\n`),
    exited,
    stop(graceMs = 5_000) {
      stopping ??= terminate(child, exited, graceMs);
      return stopping;
    },
  };
}

/** One of the benchmark's own TypeScript entries (bench/clients, bench/peers) as a process. */
export function spawnTs(name: string, file: string, args: readonly string[] = [], options: SpawnOptions = {}): Child {
  return spawnChild(name, process.execPath, ['--import', 'tsx', join(ROOT, file), ...args], options);
}

/** `npm run ingest|api|simulate` without npm in between: the PID we measure is the Node process itself. */
export function spawnRole(role: 'ingest' | 'api' | 'simulate', args: readonly string[], options: SpawnOptions = {}): Child {
  return spawnChild(role, process.execPath, [join(VIGIL_ROOT, 'scripts', 'run.mjs'), role, ...args], options);
}
