/**
 * Nothing acknowledged is lost: thousands of QoS 1 readings with distinct ts go to a real
 * Mosquitto while the ingest process (a real child process on SQLite) is killed with SIGKILL
 * mid-stream and started again. The stored count must equal the published count exactly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');
const TOTAL = 5_000;

describe('ingest crash safety (kill -9, Ctrl-C) on a real Mosquitto', () => {
  let mosquitto: MosquittoServer;
  let dir: string;
  // The device of the running case: each signal gets its own, on the same store.
  let current = 'crash-1';
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'vigil-crash-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await closeClients();
    await mosquitto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function startIngest(): ChildProcess {
    const child = spawn(process.execPath, ['scripts/run.mjs', 'ingest'], {
      cwd: root,
      env: { ...process.env, MQTT_URL: mosquitto.url, SQLITE_PATH: join(dir, 'vigil.db'), INSTANCE_ID: 'crash', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    return child;
  }

  function storedCount(device = current): number {
    try {
      const db = new Database(join(dir, 'vigil.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM readings WHERE device = ?').get(device) as { n: number }).n;
      } finally {
        db.close();
      }
    } catch {
      return 0;
    }
  }

  it.each([['SIGKILL'], ['SIGINT']] as const)(
    `stores exactly ${TOTAL} readings across a %s of ingest`,
    async (signal) => {
      const deviceId = `crash-${signal}`;
      current = deviceId;
      const first = startIngest();
      const firstExited = new Promise((resolve) => first.once('exit', resolve));
      // Ingest is subscribed (and its persistent session exists) once a first reading is stored;
      // until then, the same reading is sent again (same ts, so it is stored once).
      const device = await connectClient(mosquitto.url, { clientId: `crash-device-${signal}` });
      const base = Date.now() - 3_600_000;
      await eventually(
        async () => {
          await device.publishAsync(`devices/${deviceId}/telemetry`, JSON.stringify({ ts: base, v: 0 }), { qos: 1 });
          await new Promise((r) => setTimeout(r, 200));
          return storedCount() === 1 ? true : undefined;
        },
        20_000,
        'ingest up',
      );

      let killedAt = -1;
      const publishing = (async () => {
        for (let i = 1; i < TOTAL; i++) {
          await device.publishAsync(`devices/${deviceId}/telemetry`, JSON.stringify({ ts: base + i, v: i }), { qos: 1 });
        }
      })();
      await eventually(async () => (storedCount() >= 1_000 ? true : undefined), 20_000, '1000 stored before the kill');
      first.kill(signal);
      killedAt = storedCount();
      await publishing;
      await firstExited;

      const second = startIngest();
      const count = await eventually(
        async () => {
          const n = storedCount();
          return n >= TOTAL ? n : undefined;
        },
        30_000,
        `all ${TOTAL} stored after restart (have ${storedCount()})`,
      );
      expect(killedAt).toBeGreaterThanOrEqual(1_000);
      expect(killedAt).toBeLessThan(TOTAL);
      expect(count).toBe(TOTAL);
      second.kill('SIGINT');
      await new Promise((resolve) => second.once('exit', resolve));
    },
    90_000,
  );
});
