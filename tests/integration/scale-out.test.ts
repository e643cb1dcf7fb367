/**
 * Two ingest processes on one real Mosquitto share the device topics through an MQTT v5
 * shared subscription: both take part, and every reading is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSnapshot } from '../../bus/ingest-stats.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');
const TOTAL = 2_000;

describe('ingest scale-out on a shared subscription (real Mosquitto)', () => {
  let mosquitto: MosquittoServer;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'vigil-scale-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await closeClients();
    await mosquitto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const stored = (): number => {
    try {
      const db = new Database(join(dir, 'vigil.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM readings WHERE device LIKE 'scale-%'").get() as { n: number }).n;
      } finally {
        db.close();
      }
    } catch {
      return 0;
    }
  };

  it(`splits ${TOTAL} readings across two ingest processes and stores each once`, async () => {
    const snapshots = new Map<string, IngestSnapshot>();
    const watcher = await connectClient(mosquitto.url);
    await watcher.subscribeAsync('vigil/stats/ingest', { qos: 0 });
    watcher.on('message', (_t, payload) => {
      const snap = JSON.parse(payload.toString()) as IngestSnapshot;
      snapshots.set(snap.instance, snap);
    });
    for (const instance of ['a', 'b']) {
      children.push(
        spawn(process.execPath, ['scripts/run.mjs', 'ingest'], {
          cwd: root,
          env: { ...process.env, MQTT_URL: mosquitto.url, SQLITE_PATH: join(dir, 'vigil.db'), INSTANCE_ID: instance, LOG_LEVEL: 'warn' },
          stdio: 'ignore',
        }),
      );
    }
    // Both report once a second once they are connected and subscribed.
    await eventually(async () => (snapshots.size === 2 ? true : undefined), 20_000, 'both ingest processes up');

    const device = await connectClient(mosquitto.url);
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < TOTAL; i++) {
      await device.publishAsync(`devices/scale-${i % 20}/telemetry`, JSON.stringify({ ts: base + i, v: i }), { qos: 1 });
    }
    const count = await eventually(async () => (stored() >= TOTAL ? stored() : undefined), 20_000, `all stored (have ${stored()})`);
    expect(count).toBe(TOTAL);
    const shares = await eventually(
      async () => {
        const a = snapshots.get('a')?.accepted ?? 0;
        const b = snapshots.get('b')?.accepted ?? 0;
        return a + b === TOTAL ? [a, b] : undefined;
      },
      5_000,
      'both snapshots account for every reading',
    );
    expect(shares[0]).toBeGreaterThan(0);
    expect(shares[1]).toBeGreaterThan(0);
  }, 60_000);
});
