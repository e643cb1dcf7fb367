import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a server process we own; only ever signals that PID. */
export function spawnServer(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    // A process that never started (ENOENT) emits 'close' but no 'exit'.
    else {
      child.once('exit', () => resolve());
      child.once('close', () => resolve());
    }
  });
  // If the test worker exits without stop() (crash, timeout), take our server down with it
  // rather than leave it holding ports and temp dirs; only this PID is signalled.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  child.once('error', (err) => {
    out += `\nspawn error: ${err.message}`;
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    output: () => out,
    stop(graceMs = 3_000) {
      stopping ??= terminate(child, exited, graceMs);
      return stopping;
    },
  };
}

/** SIGTERM, then SIGKILL after graceMs; resolves once `exited` does. Signals only this child's PID. */
export async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Debian puts daemons such as mosquitto in /usr/sbin, which is not on a normal user's PATH, so
 * an explicit override wins, then the known locations, then a PATH lookup by bare name.
 */
export function findBinary(name: string, knownPaths: readonly string[], override?: string): string {
  if (override !== undefined && override !== '') return override;
  return knownPaths.find((path) => existsSync(path)) ?? name;
}
