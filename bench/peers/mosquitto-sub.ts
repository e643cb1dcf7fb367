/**
 * Peer: Debian's `mosquitto_sub` (C, libmosquitto) printing every message, one line each, with
 * the lines counted here. The ceiling of the broker-to-client path without Node in it.
 */
import { spawn } from 'node:child_process';
import type { Scope } from '../harness/scope.ts';

export interface LineCounter {
  readonly pid: number;
  counts(): { lines: number; firstAt: number; lastAt: number };
  stop(): Promise<void>;
}

const NEWLINE = 0x0a;

export async function startMosquittoSub(scope: Scope, port: number, topic: string, qos: 0 | 1): Promise<LineCounter> {
  const child = spawn(
    'mosquitto_sub',
    ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', String(qos), '-i', `bench-peer-sub-${process.pid}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error('could not start mosquitto_sub (Debian: apt-get install mosquitto-clients)');
  let lines = 0;
  let firstAt = 0;
  let lastAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    let n = 0;
    for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) n++;
    if (n === 0) return;
    const now = performance.timeOrigin + performance.now();
    if (lines === 0) firstAt = now;
    lastAt = now;
    lines += n;
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  scope.defer(stop);
  // mosquitto_sub says nothing when subscribed; a moment for CONNECT/SUBSCRIBE is enough on loopback.
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (child.exitCode !== null) throw new Error(`mosquitto_sub exited: ${err}`);
  return { pid: child.pid, counts: () => ({ lines, firstAt, lastAt }), stop };
}
