/**
 * Nothing acknowledged is lost on the default setup: `npm start` with its embedded broker, a real
 * outside publisher (mqtt.js in this test process, Vigil in a child process) sending 20,000 QoS 1
 * readings with distinct ts. Vigil is stopped mid-stream (kill -9, then Ctrl-C in a second run),
 * restarted on the same SQLITE_PATH, and every reading whose PUBACK the publisher saw must be
 * stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { eventually } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');
const TOTAL = 20_000;
const STOP_AFTER_ACKS = 4_000;
const DEVICE = 'durable-1';

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  out(): string;
}

function runVigil(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['scripts/run.mjs', 'start'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', SIM_DEVICES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, out: () => out };
}

/** The ts of every stored reading of the device, with how often each is stored. */
function stored(path: string): Map<number, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT ts, count(*) AS n FROM readings WHERE device = ? GROUP BY ts').all(DEVICE) as {
      ts: number;
      n: number;
    }[];
    return new Map(rows.map((r) => [r.ts, r.n]));
  } finally {
    db.close();
  }
}

const runs: Run[] = [];
const dirs: string[] = [];
const clients: MqttClient[] = [];
afterAll(async () => {
  for (const client of clients) client.end(true);
  for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await Promise.all(runs.map((r) => r.exited));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function started(env: Record<string, string>): Promise<Run> {
  const run = runVigil(env);
  runs.push(run);
  await eventually(async () => (/Vigil is running/.test(run.out()) ? true : undefined), 30_000, `Vigil up (output: ${run.out()})`);
  return run;
}

describe('embedded broker: acknowledged means durable', () => {
  it.each([['SIGKILL'], ['SIGINT']] as const)(
    'every reading acknowledged before a %s of npm start is stored exactly once',
    async (signal) => {
      const dir = await mkdtemp(join(tmpdir(), 'vigil-durable-'));
      dirs.push(dir);
      const mqttPort = await freePort();
      const env = { PORT: String(await freePort()), MQTT_PORT: String(mqttPort), SQLITE_PATH: join(dir, 'vigil.db') };
      const first = await started(env);

      const publisher = connect(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: `durable-${signal}`,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      clients.push(publisher);
      publisher.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        publisher.once('connect', () => resolve());
        publisher.once('error', reject);
      });
      const base = Date.now() - 3_600_000;
      const acked = new Set<number>();
      for (let i = 0; i < TOTAL; i++) {
        const ts = base + i;
        publisher.publish(`devices/${DEVICE}/telemetry`, JSON.stringify({ ts, v: i }), { qos: 1 }, (err) => {
          if (!err) acked.add(ts);
        });
      }
      await eventually(
        async () => (acked.size >= STOP_AFTER_ACKS ? true : undefined),
        60_000,
        `${STOP_AFTER_ACKS} acknowledged (have ${acked.size})`,
      );
      first.child.kill(signal);
      await first.exited;
      // Whatever the publisher saw acknowledged up to now is what Vigil promised to keep.
      publisher.end(true);
      const promised = new Set(acked);
      expect(promised.size).toBeLessThan(TOTAL);

      const second = await started(env);
      const rows = stored(env.SQLITE_PATH);
      second.child.kill('SIGINT');
      await second.exited;
      const lost = [...promised].filter((ts) => !rows.has(ts));
      const doubled = [...rows.values()].filter((n) => n !== 1);
      console.log(`embedded ${signal}: acknowledged ${promised.size}, stored ${rows.size}, lost ${lost.length}`);
      expect({ lost: lost.length, doubled: doubled.length }).toEqual({ lost: 0, doubled: 0 });
    },
    120_000,
  );
});
